// ioredis's client machinery against the stream commands: explicit pipelines
// (per-command errors in place), MULTI/EXEC (runtime errors inside EXEC, and
// EXECABORT for a command rejected while queueing), auto-pipelining with many
// concurrent XADDs, binary-safe fields and values through the *Buffer
// variants, and reconnection after CLIENT KILL, including a blocked XREAD that
// ioredis re-sends on the new connection. Every assertion holds against
// Debian's redis-server 7.0 too (STREAMD_TARGET=redis).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setup, waitBlocked, replyError, TIMEOUT } from './lib/harness.mjs';

const T = { timeout: TIMEOUT };
const ctx = setup('client');

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

test('a pipeline returns [error, result] pairs in order, errors in place', T, async () => {
    const { r } = ctx;
    await r.set('str', 'x');
    const res = await r.pipeline()
        .xadd('s', '1-0', 'a', '1')
        .xadd('s', '2-0', 'b', '2')
        .xadd('str', '*', 'f', 'v')
        .xadd('s', '1-0', 'c', '3')
        .xlen('s')
        .xrange('s', '-', '+')
        .xgroup('CREATE', 's', 'g', '0')
        .xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>')
        .xack('s', 'g', '1-0')
        .exec();
    assert.equal(res.length, 9);
    assert.deepEqual(res[0], [null, '1-0']);
    assert.deepEqual(res[1], [null, '2-0']);
    assert.equal(res[2][0].name, 'ReplyError');
    assert.equal(res[2][0].message, WRONGTYPE);
    assert.equal(res[3][0].message,
        'ERR The ID specified in XADD is equal or smaller than the target stream top item');
    assert.deepEqual(res.slice(4).map((x) => x[0]), [null, null, null, null, null]);
    assert.deepEqual(res.slice(4).map((x) => x[1]), [
        2,
        [['1-0', ['a', '1']], ['2-0', ['b', '2']]],
        'OK',
        [['s', [['1-0', ['a', '1']], ['2-0', ['b', '2']]]]],
        1,
    ]);
});

test('MULTI/EXEC applies the stream commands atomically, runtime errors in place', T, async () => {
    const { r } = ctx;
    await r.set('str', 'x');
    const res = await r.multi()
        .xadd('s', '1-0', 'f', 'v')
        .xgroup('CREATE', 's', 'g', '$')
        .xadd('str', '*', 'f', 'v')
        .xadd('s', '2-0', 'f', 'w')
        .xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>')
        .xpending('s', 'g')
        .exec();
    assert.equal(res.length, 6);
    assert.deepEqual(res[0], [null, '1-0']);
    assert.deepEqual(res[1], [null, 'OK']);
    assert.equal(res[2][0].message, WRONGTYPE);
    assert.deepEqual(res[3], [null, '2-0']);
    assert.deepEqual(res[4], [null, [['s', [['2-0', ['f', 'w']]]]]]);
    assert.deepEqual(res[5], [null, [1, '2-0', '2-0', [['c', '1']]]]);
});

test('a command rejected while queueing aborts the transaction with EXECABORT', T, async () => {
    const { r } = ctx;
    const m = r.multi().xadd('s', '1-0', 'f', 'v').xlen('s', 'extra').xadd('s', '2-0', 'f', 'v');
    const e = await replyError(m.exec());
    assert.equal(e.message, 'EXECABORT Transaction discarded because of previous errors.');
    assert.equal(e.previousErrors.length, 1);
    assert.equal(e.previousErrors[0].message, "ERR wrong number of arguments for 'xlen' command");
    assert.equal(await r.exists('s'), 0);
    // the connection is fine afterwards
    assert.equal(await r.xadd('s', '1-0', 'f', 'v'), '1-0');
});

test('auto-pipelining: many concurrent XADDs share round trips and keep their order', T, async () => {
    const { r } = ctx;
    const ap = ctx.client({ enableAutoPipelining: true });
    await ap.ping();
    const N = 1000;
    const promises = [];
    for (let i = 0; i < N; i++) {
        promises.push(ap.xadd(i % 2 ? 'odd' : 'even', '*', 'i', String(i)));
        if (i === 500) promises.push(ap.xadd('odd', '0-0', 'bad', 'id').catch((e) => e));
    }
    assert.ok(ap.autoPipelineQueueSize > 0, 'commands were queued for auto-pipelining');
    const out = await Promise.all(promises);
    const bad = out.splice(501, 1)[0];
    assert.equal(bad.message, 'ERR The ID specified in XADD must be greater than 0-0');
    for (const k of ['even', 'odd']) {
        const got = out.filter((_, i) => (i % 2 ? 'odd' : 'even') === k);
        const entries = await r.xrange(k, '-', '+');
        assert.deepEqual(entries.map((e) => e[0]), got); // the IDs the replies gave, in issue order
        assert.deepEqual(entries.map((e) => Number(e[1][1])),
            Array.from({ length: N / 2 }, (_, j) => 2 * j + (k === 'odd' ? 1 : 0)));
    }
    assert.equal(await r.xlen('even') + await r.xlen('odd'), N);
});

test('binary fields and values round-trip through the Buffer variants', T, async () => {
    const { r } = ctx;
    const key = Buffer.from([0x73, 0x00, 0xff, 0x0d, 0x0a]);
    const field = Buffer.from([0x00, 0x01, 0x0d, 0x0a, 0x24, 0x2a]);
    const value = Buffer.alloc(70000);
    for (let i = 0; i < value.length; i++) value[i] = (i * 131 + 7) & 0xff;
    const empty = Buffer.alloc(0);
    const id = await r.xaddBuffer(key, '*', field, value, empty, empty);
    assert.ok(Buffer.isBuffer(id));
    const range = await r.xrangeBuffer(key, '-', '+');
    assert.equal(range.length, 1);
    assert.ok(range[0][0].equals(id));
    const [f1, v1, f2, v2] = range[0][1];
    assert.ok(f1.equals(field));
    assert.ok(v1.equals(value));
    assert.equal(f2.length, 0);
    assert.equal(v2.length, 0);
    const read = await r.xreadBuffer('STREAMS', key, '0');
    assert.ok(read[0][0].equals(key));
    assert.ok(read[0][1][0][1][1].equals(value));
    await r.xgroup('CREATE', key, Buffer.from([0xfe, 0x00]), '0');
    const rg = await r.xreadgroupBuffer('GROUP', Buffer.from([0xfe, 0x00]), Buffer.from([0x80]),
        'STREAMS', key, '>');
    assert.ok(rg[0][1][0][1][1].equals(value));
    const pend = await r.xpendingBuffer(key, Buffer.from([0xfe, 0x00]), '-', '+', 10);
    assert.ok(pend[0][1].equals(Buffer.from([0x80])));
    assert.equal(await r.xlen(key), 1);
});

test('ioredis reconnects after CLIENT KILL and keeps working', T, async () => {
    const { r } = ctx;
    const victim = ctx.client();
    await victim.xadd('s', '1-0', 'f', 'v');
    const oldId = await victim.client('ID');
    const reconnecting = once(victim, 'reconnecting');
    assert.equal(await r.client('KILL', 'ID', oldId), 1);
    await reconnecting;
    assert.equal(await victim.xadd('s', '2-0', 'f', 'w'), '2-0');
    const newId = await victim.client('ID');
    assert.notEqual(newId, oldId);
    assert.equal(await victim.xlen('s'), 2);
});

test('a blocked XREAD killed with its connection is re-sent and then served', T, async () => {
    const { r } = ctx;
    await r.xadd('s', '1-0', 'f', 'v');
    const reader = ctx.client();
    const readerId = await reader.client('ID');
    const result = reader.xread('BLOCK', 0, 'STREAMS', 's', '1-0');
    await waitBlocked(r, 1);
    const ready = once(reader, 'ready');
    assert.equal(await r.client('KILL', 'ID', readerId), 1);
    await ready;
    // ioredis re-sends the unanswered XREAD on the new connection
    await waitBlocked(r, 1);
    assert.equal(await r.xadd('s', '2-0', 'k', 'v'), '2-0');
    assert.deepEqual(await result, [['s', [['2-0', ['k', 'v']]]]]);
    assert.notEqual(await reader.client('ID'), readerId);
});
