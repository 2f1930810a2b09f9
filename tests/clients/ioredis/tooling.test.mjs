// ioredis's operator tooling against the server: its MONITOR mode (the
// 'monitor' events it parses from the server's lines), the slow log and the
// latency histograms through plain calls, WAITAOF. Every assertion but
// WAITAOF's (Redis 7.2+) holds against Debian's redis-server 7.0 too
// (STREAMD_TARGET=redis).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, TIMEOUT, STREAMD_ONLY } from './lib/harness.mjs';

const T = { timeout: TIMEOUT };
const ctx = setup('tooling');

test('MONITOR: ioredis gets each command with its arguments, database and source', T, async () => {
    const { r } = ctx;
    const monitor = await r.monitor();
    const seen = [];
    const done = new Promise((resolve) => {
        monitor.on('monitor', (time, args, source, database) => {
            seen.push({ time, args, source, database });
            if (args[0].toLowerCase() === 'echo') resolve();
        });
    });
    await r.xadd('orders', '1-1', 'id', '42', 'note', 'two words');
    await r.select(2);
    await r.set('k', 'v');
    await r.select(0);
    await r.echo('end');
    await done;
    monitor.disconnect();
    const cmds = seen.map((e) => e.args);
    assert.deepEqual(cmds.find((a) => a[0].toLowerCase() === 'xadd'),
        ['xadd', 'orders', '1-1', 'id', '42', 'note', 'two words']);
    const set = seen.find((e) => e.args[0].toLowerCase() === 'set');
    assert.equal(set.database, '2');
    assert.match(set.source, /^127\.0\.0\.1:\d+$/);
    assert.ok(Number(set.time) > 1.6e9);
});

test('SLOWLOG: every command logged at threshold 0, newest first, with its arguments', T, async () => {
    const { r } = ctx;
    await r.config('SET', 'slowlog-log-slower-than', '0');
    try {
        await r.slowlog('RESET');
        await r.xadd('s', '1-1', 'f', 'v');
        await r.xlen('s');
        const log = await r.slowlog('GET', '2');
        assert.deepEqual(log.map((e) => e[3]), [['xlen', 's'], ['xadd', 's', '1-1', 'f', 'v']]);
        assert.equal(log[0][0], log[1][0] + 1);
        assert.ok(await r.slowlog('LEN') >= 2);
    } finally {
        await r.config('SET', 'slowlog-log-slower-than', '10000');
    }
});

test('LATENCY HISTOGRAM: calls and cumulative buckets per command', T, async () => {
    const { r } = ctx;
    await r.config('RESETSTAT');
    for (let i = 0; i < 20; i++) await r.xadd('s', '*', 'i', String(i));
    const [name, entry] = await r.call('LATENCY', 'HISTOGRAM', 'xadd');
    assert.equal(name, 'xadd');
    assert.equal(entry[0], 'calls');
    assert.equal(entry[1], 20);
    const buckets = entry[3];
    const counts = buckets.filter((_, i) => i % 2 === 1);
    assert.deepEqual([...counts].sort((a, b) => a - b), counts);
    assert.equal(counts[counts.length - 1], 20);
});

test('WAITAOF: a write acknowledged once the AOF turned on at run time has it fsynced', { timeout: TIMEOUT, skip: STREAMD_ONLY }, async () => {
    const { r } = ctx;
    await assert.rejects(r.call('WAITAOF', '1', '0', '0'),
        /^ReplyError: ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled\.$/);
    assert.deepEqual(await r.call('WAITAOF', '0', '0', '0'), [0, 0]);
    await r.config('SET', 'appendfsync', 'always');
    await r.config('SET', 'appendonly', 'yes');
    try {
        await r.xadd('orders', '*', 'id', '1');
        // released when the first base is written (and the write fsynced)
        assert.deepEqual(await r.call('WAITAOF', '1', '0', String(TIMEOUT / 2)), [1, 0]);
        const multi = await r.multi().xadd('orders', '*', 'id', '2').call('WAITAOF', '1', '0', '0').exec();
        // at once inside a transaction, for the writes before it (its own
        // are handed to the AOF when EXEC ends, as Redis propagates them)
        assert.deepEqual(multi[1], [null, [1, 0]]);
        assert.deepEqual(await r.call('WAITAOF', '1', '0', '0'), [1, 0]);
    } finally {
        await r.config('SET', 'appendonly', 'no');
    }
});
