// ioredis over TLS (its `tls` option) to the server's tls-port, with a client
// certificate: the stream commands, a consumer group, a blocked XREAD woken by
// a write over plain TCP, a deep pipeline with big values. The certificates
// are made by the openssl command for this file. Every assertion holds
// against Debian's redis-server 7.0 too (STREAMD_TARGET=redis).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, connect, freePort, TIMEOUT, SLOW } from './lib/harness.mjs';

const T = { timeout: TIMEOUT };

function makeCerts(dir) {
    const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run('genrsa', '-out', 'ca.key', '2048');
    run('req', '-x509', '-new', '-nodes', '-sha256', '-key', 'ca.key', '-days', '30',
        '-subj', '/O=streamd test/CN=ca', '-out', 'ca.crt');
    for (const name of ['server', 'client']) {
        run('genrsa', '-out', `${name}.key`, '2048');
        run('req', '-new', '-sha256', '-subj', `/O=streamd test/CN=${name}`, '-key',
            `${name}.key`, '-out', `${name}.csr`);
        run('x509', '-req', '-sha256', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key',
            '-CAcreateserial', '-days', '30', '-out', `${name}.crt`);
    }
}

// The harness's server with a tls-port.
class TlsServer extends Server {
    constructor(name, certDir, tlsPort) {
        super(name);
        this.tlsPort = tlsPort;
        this.certDir = certDir;
    }

    commandLine() {
        const c = (f) => path.join(this.certDir, f);
        return [...super.commandLine(), '--tls-port', String(this.tlsPort),
            '--tls-cert-file', c('server.crt'), '--tls-key-file', c('server.key'),
            '--tls-ca-cert-file', c('ca.crt')];
    }
}

let certDir;
let srv;
const clients = [];

function tlsClient(opts = {}) {
    const c = (f) => readFileSync(path.join(certDir, f));
    const client = connect({ host: srv.host, port: srv.tlsPort }, {
        tls: {
            ca: c('ca.crt'), cert: c('client.crt'), key: c('client.key'),
            rejectUnauthorized: true,
            checkServerIdentity: () => undefined, // the test certificate names no host
        },
        ...opts,
    });
    clients.push(client);
    return client;
}

before(async () => {
    certDir = mkdtempSync(path.join(os.tmpdir(), 'streamd-ioredis-tls-'));
    makeCerts(certDir);
    srv = new TlsServer('tls', certDir, await freePort());
    await srv.start();
});

after(async () => {
    for (const c of clients) c.disconnect();
    await srv.stop();
    rmSync(certDir, { recursive: true, force: true });
});

test('TLS: streams and a consumer group through ioredis', T, async () => {
    const r = tlsClient();
    assert.equal(await r.ping(), 'PONG');
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await r.xadd('orders', '*', 'n', String(i)));
    assert.equal(await r.xlen('orders'), 20);
    await r.xgroup('CREATE', 'orders', 'g', '0');
    const got = await r.xreadgroup('GROUP', 'g', 'alice', 'COUNT', 20, 'STREAMS', 'orders', '>');
    assert.deepEqual(got[0][1].map((e) => e[0]), ids);
    assert.equal(await r.xack('orders', 'g', ...ids), 20);
    const pending = await r.xpending('orders', 'g');
    assert.equal(pending[0], 0);
});

test('TLS: a blocked XREAD is woken by an XADD over plain TCP', T, async () => {
    const r = tlsClient();
    const plain = connect(srv);
    clients.push(plain);
    const read = r.xread('BLOCK', 10000 * SLOW, 'STREAMS', 'events', '$');
    const deadline = Date.now() + 5000 * SLOW;
    for (;;) {
        const info = await plain.info('clients');
        if (/blocked_clients:1/.test(info) || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 10));
    }
    const id = await plain.xadd('events', '*', 'k', 'v');
    const res = await read;
    assert.equal(res[0][1][0][0], id);
});

test('TLS: a deep pipeline with values larger than a TLS record', T, async () => {
    const r = tlsClient();
    const big = 'x'.repeat(100000);
    const p = r.pipeline();
    for (let i = 0; i < 500; i++) {
        p.xadd('bulk', '*', 'i', String(i), 'pad', i % 50 === 0 ? big : 'small');
    }
    const res = await p.exec();
    assert.equal(res.length, 500);
    assert.ok(res.every(([err]) => err === null));
    assert.equal(await r.xlen('bulk'), 500);
    const first = await r.xrange('bulk', '-', '+', 'COUNT', 1);
    assert.equal(first[0][1][3].length, 100000);
});
