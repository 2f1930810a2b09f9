// Test support for the ioredis suite: one server process per test file.
//
// The server is streamd from $STREAMD_BIN (default <repo>/build/streamd), or,
// with STREAMD_TARGET=redis, Debian's redis-server ($REDIS_SERVER_BIN), so the
// assertions themselves can be checked against real Redis -- the same switch
// and the same binaries as the pytest suite (tests/testlib/server.py).
//
// setup() registers the node:test hooks of a file: start the server before
// the first test, FLUSHALL before each test, close every client opened with
// ctx.client() after each test, and stop the server after the last one. The
// stop fails the file (a top-level `after` failure counts as a failed test in
// the runner's summary) when the process exits non-zero or its log holds a
// sanitizer report, as the pytest fixtures do.
//
// Ports: bind port 0, close, hand the number to the server; a start that
// loses the race ("already in use") is retried on a fresh port. Neither
// server can report the port it bound, and the window is tiny.
//
// Run by tests/run-all.sh (make test / make test-asan); by hand:
//   cd tests/clients/ioredis && node --test *.test.mjs
//   STREAMD_TARGET=redis node --test *.test.mjs     # the assertions vs Redis
//
// Synchronisation is never a sleep: a test waits for a blocked reader through
// INFO clients' blocked_clients (waitBlocked), polled with a deadline.

import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after, beforeEach, afterEach } from 'node:test';
import Redis from 'ioredis';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..', '..', '..');
export const TARGET = process.env.STREAMD_TARGET ?? 'streamd';
if (TARGET !== 'streamd' && TARGET !== 'redis') {
    throw new Error(`STREAMD_TARGET must be streamd or redis, not ${TARGET}`);
}
export const IS_REDIS = TARGET === 'redis';
export const STREAMD_BIN = path.resolve(
    process.env.STREAMD_BIN ?? path.join(REPO, 'build', 'streamd'));
const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
// Sanitizer builds are several times slower to start, stop and answer.
export const SLOW = ('ASAN_OPTIONS' in process.env || STREAMD_BIN.includes('asan')) ? 4 : 1;
// Per-test watchdog, so that a hung server fails one test instead of the run.
export const TIMEOUT = 20000 * SLOW;
// For a test of behaviour Redis 7.0 does not have (8.x commands).
export const STREAMD_ONLY = IS_REDIS ? 'Redis 8.x feature; the oracle is redis-server 7.0' : false;

const SANITIZER_MARKERS = [
    'ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:',
    'SUMMARY: UndefinedBehaviorSanitizer',
];

export function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.on('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

function pingOnce(port) {
    return new Promise((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        let data = '';
        const done = (ok) => { sock.destroy(); resolve(ok); };
        sock.setTimeout(1000, () => done(false));
        sock.on('error', () => done(false));
        sock.on('connect', () => sock.write('*1\r\n$4\r\nPING\r\n'));
        sock.on('data', (d) => {
            data += d.toString('latin1');
            if (data.includes('\r\n')) done(data.startsWith('+PONG'));
        });
        sock.on('end', () => done(false));
    });
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// One server process on an ephemeral port with its own directory.
export class Server {
    constructor(name) {
        this.name = name;
        this.host = '127.0.0.1';
        this.port = null;
        this.dir = mkdtempSync(path.join(os.tmpdir(), `streamd-ioredis-${name}-`));
        this.logPath = path.join(this.dir, 'server.log');
        this.proc = null;
        this.exit = null;
    }

    commandLine() {
        const common = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
        if (IS_REDIS) return [REDIS_BIN, ...common, '--save', '', '--appendonly', 'no'];
        return [STREAMD_BIN, ...common];
    }

    log() {
        try {
            return readFileSync(this.logPath, 'utf8');
        } catch {
            return '';
        }
    }

    async start() {
        for (let attempt = 0; attempt < 5; attempt++) {
            this.port = await freePort();
            if (await this.spawnAndWait()) return this;
        }
        throw new Error(`${this.name}: could not start\n${this.log()}`);
    }

    async spawnAndWait() {
        const [bin, ...args] = this.commandLine();
        const fd = openSync(this.logPath, 'a');
        this.exit = null;
        this.proc = spawn(bin, args, { cwd: this.dir, stdio: ['ignore', fd, fd] });
        closeSync(fd);
        const proc = this.proc;
        proc.exited = new Promise((resolve) => {
            proc.on('exit', (code, signal) => {
                this.exit = { code, signal };
                resolve(this.exit);
            });
            proc.on('error', (e) => {
                this.exit = { code: -1, signal: null, error: e };
                resolve(this.exit);
            });
        });
        const deadline = Date.now() + 10000 * SLOW;
        while (Date.now() < deadline) {
            if (this.exit) {
                const log = this.log();
                if (log.includes('already in use') || log.includes('Address in use')) return false;
                throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) during start-up\n${log}`);
            }
            if (await pingOnce(this.port)) return true;
            await delay(10);
        }
        proc.kill('SIGKILL');
        throw new Error(`${this.name}: no PONG within ${10 * SLOW}s\n${this.log()}`);
    }

    // SIGTERM, wait, SIGKILL on timeout; throws on a bad exit or a sanitizer
    // report, with the log.
    async stop() {
        const proc = this.proc;
        if (!proc) return;
        this.proc = null;
        let problem = null;
        if (this.exit) {
            problem = `died unexpectedly (${JSON.stringify(this.exit)})`;
        } else {
            proc.kill('SIGTERM');
            let timer;
            const expiry = new Promise((r) => { timer = setTimeout(() => r(null), 10000 * SLOW); });
            const ex = await Promise.race([proc.exited, expiry]);
            clearTimeout(timer);
            if (!ex) {
                proc.kill('SIGKILL');
                await proc.exited;
                problem = `did not exit within ${10 * SLOW}s of SIGTERM (killed)`;
            } else if (ex.code !== 0) {
                problem = `exited with ${JSON.stringify(ex)}`;
            }
        }
        const log = this.log();
        if (!problem && SANITIZER_MARKERS.some((m) => log.includes(m))) problem = 'sanitizer report in the log';
        if (problem) throw new Error(`${this.name} ${problem}\n${log}`);
        rmSync(this.dir, { recursive: true, force: true });
    }

    killNow() {
        if (this.proc && !this.exit) this.proc.kill('SIGKILL');
    }
}

// An ioredis client to `srv`. Replies that never come fail the test through
// commandTimeout instead of hanging it.
export function connect(srv, opts = {}) {
    return new Redis({
        host: srv.host,
        port: srv.port,
        commandTimeout: 15000 * SLOW,
        maxRetriesPerRequest: 3,
        ...opts,
    });
}

// Registers the file's hooks; returns { srv, r, client(opts) }: r is a
// client opened for each test, client() opens more, all closed after it.
export function setup(name) {
    const ctx = { srv: null, r: null };
    let open = [];
    ctx.client = (opts = {}) => {
        const c = connect(ctx.srv, opts);
        open.push(c);
        return c;
    };
    before(async () => {
        ctx.srv = new Server(name);
        process.on('exit', () => ctx.srv && ctx.srv.killNow());
        await ctx.srv.start();
    });
    beforeEach(async () => {
        ctx.r = ctx.client();
        await ctx.r.flushall();
    });
    afterEach(async () => {
        const cs = open;
        open = [];
        ctx.r = null;
        for (const c of cs) c.disconnect();
        if (ctx.srv.exit) throw new Error(`server died during the test\n${ctx.srv.log()}`);
    });
    after(async () => {
        await ctx.srv.stop();
    });
    return ctx;
}

// The value of one field of INFO <section>, as a string.
export async function infoField(c, section, field) {
    const text = await c.info(section);
    const m = text.match(new RegExp(`^${field}:(.*)\\r?$`, 'm'));
    return m ? m[1].trim() : null;
}

// Waits until the server counts `n` clients blocked on keys.
export async function waitBlocked(c, n) {
    const deadline = Date.now() + 10000 * SLOW;
    for (;;) {
        const v = await infoField(c, 'clients', 'blocked_clients');
        if (Number(v) === n) return;
        if (Date.now() > deadline) throw new Error(`blocked_clients is ${v}, want ${n}`);
        await new Promise((r) => setImmediate(r));
    }
}

// A flat [k1, v1, k2, v2, ...] reply as a Map, keys as strings.
export function pairs(flat) {
    const m = new Map();
    for (let i = 0; i < flat.length; i += 2) m.set(String(flat[i]), flat[i + 1]);
    return m;
}

// The ReplyError a promise rejects with; fails when it resolves.
export async function replyError(promise) {
    try {
        const v = await promise;
        throw new Error(`expected an error reply, got ${JSON.stringify(v)}`);
    } catch (e) {
        if (e.name !== 'ReplyError') throw e;
        return e;
    }
}
