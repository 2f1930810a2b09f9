// The Redis 8.x stream commands streamd implements, through ioredis:
// XADD IDMP / IDMPAUTO and XCFGSET (8.6), XDELEX and XACKDEL (8.2), XNACK
// (8.8). ioredis 5.9 has a method for XDELEX only; the rest go through
// redis.call(), the generic entry point an application would use, also
// inside pipelines and MULTI. Expected values follow the Redis documentation
// (and streamd's own pytest suites, tests/integration/test_idmp.py,
// test_refs.py, test_nack.py). Debian's redis-server 7.0 has none of these:
// the file is skipped under STREAMD_TARGET=redis.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, pairs, replyError, TIMEOUT, STREAMD_ONLY } from './lib/harness.mjs';

const T = { timeout: TIMEOUT, skip: STREAMD_ONLY };
const ctx = setup('redis8');

async function prepare(r, n = 3) {
    for (let i = 1; i <= n; i++) await r.xadd('s', `${i}-0`, 'n', String(i));
    await r.xgroup('CREATE', 's', 'g', '0');
    await r.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', 's', '>');
}

test('XADD IDMP returns the original ID for a duplicate and appends nothing', T, async () => {
    const { r } = ctx;
    const id1 = await r.call('XADD', 's', 'IDMP', 'p1', 'payment-1', '*', 'amount', '100');
    assert.match(id1, /^\d+-\d+$/);
    assert.equal(await r.call('XADD', 's', 'IDMP', 'p1', 'payment-1', '*', 'amount', '200'), id1);
    const id2 = await r.call('XADD', 's', 'IDMP', 'p2', 'payment-1', '*', 'amount', '300');
    assert.notEqual(id2, id1); // another producer, another iid space
    assert.equal(await r.xlen('s'), 2);
    assert.deepEqual(await r.xrange('s', '-', '+'), [[id1, ['amount', '100']], [id2, ['amount', '300']]]);
    const a = await r.call('XADD', 's', 'IDMPAUTO', 'p3', '*', 'f', 'v');
    assert.equal(await r.call('XADD', 's', 'IDMPAUTO', 'p3', '*', 'f', 'v'), a);
    assert.notEqual(await r.call('XADD', 's', 'IDMPAUTO', 'p3', '*', 'f', 'other'), a);
    const info = pairs(await r.xinfo('STREAM', 's'));
    assert.equal(info.get('pids-tracked'), 3);
    assert.equal(info.get('iids-tracked'), 4);
    assert.equal(info.get('iids-added'), 4);
    assert.equal(info.get('iids-duplicates'), 2);
});

test('XADD IDMP duplicates inside a pipeline and a MULTI', T, async () => {
    const { r } = ctx;
    const res = await r.pipeline()
        .call('XADD', 's', 'IDMP', 'p', 'k1', '*', 'f', '1')
        .call('XADD', 's', 'IDMP', 'p', 'k1', '*', 'f', '2')
        .call('XADD', 's', 'IDMP', 'p', 'k2', '*', 'f', '3')
        .exec();
    assert.deepEqual(res.map((x) => x[0]), [null, null, null]);
    assert.equal(res[1][1], res[0][1]);
    assert.notEqual(res[2][1], res[0][1]);
    const tx = await r.multi()
        .call('XADD', 's', 'IDMP', 'p', 'k2', '*', 'f', '4')
        .call('XADD', 's', 'IDMP', 'p', 'k3', '*', 'f', '5')
        .xlen('s')
        .exec();
    assert.equal(tx[0][1], res[2][1]);
    assert.deepEqual(tx[2], [null, 3]);
});

test('XCFGSET sets the IDMP limits and validates them', T, async () => {
    const { r } = ctx;
    await r.call('XADD', 's', 'IDMP', 'p', 'k', '*', 'f', 'v');
    assert.equal(await r.call('XCFGSET', 's', 'IDMP-DURATION', 300, 'IDMP-MAXSIZE', 1000), 'OK');
    const info = pairs(await r.xinfo('STREAM', 's'));
    assert.equal(info.get('idmp-duration'), 300);
    assert.equal(info.get('idmp-maxsize'), 1000);
    const e = await replyError(r.call('XCFGSET', 's', 'IDMP-DURATION', 0));
    assert.equal(e.message, 'ERR IDMP-DURATION must be between 1 and 86400 seconds');
    const e2 = await replyError(r.call('XCFGSET', 's', 'IDMP-MAXSIZE', 10001));
    assert.equal(e2.message, 'ERR IDMP-MAXSIZE must be between 1 and 10000 entries');
});

test('XDELEX with KEEPREF and ACKED reports a code per ID', T, async () => {
    const { r } = ctx;
    await prepare(r, 3);
    assert.deepEqual(await r.xdelex('s', 'IDS', 2, '1-0', '99-0'), [1, -1]);
    // 2-0 is still pending for g: ACKED keeps it (code 2)
    assert.deepEqual(await r.xdelex('s', 'ACKED', 'IDS', 1, '2-0'), [2]);
    await r.xack('s', 'g', '2-0');
    assert.deepEqual(await r.xdelex('s', 'ACKED', 'IDS', 1, '2-0'), [1]);
    assert.deepEqual(await r.xdelex('missing', 'IDS', 1, '1-0'), [-1]);
    assert.equal(await r.xlen('s'), 1);
});

test('XACKDEL acknowledges and deletes in one step', T, async () => {
    const { r } = ctx;
    await prepare(r, 3);
    assert.deepEqual(await r.call('XACKDEL', 's', 'g', 'IDS', 2, '1-0', '99-0'), [1, -1]);
    assert.equal(await r.xlen('s'), 2);
    await r.xgroup('CREATE', 's', 'late', '0');
    // another group has not read 2-0 yet: ACKED acknowledges but keeps it
    assert.deepEqual(await r.call('XACKDEL', 's', 'g', 'ACKED', 'IDS', 1, '2-0'), [2]);
    assert.deepEqual(await r.xpending('s', 'g', '-', '+', 10).then((p) => p.map((e) => e[0])), ['3-0']);
    assert.deepEqual(await r.call('XACKDEL', 's', 'g', 'DELREF', 'IDS', 1, '3-0'), [1]);
    assert.deepEqual(await r.xrange('s', '-', '+'), [['2-0', ['n', '2']]]);
    const e = await replyError(r.call('XACKDEL', 's', 'g', 'IDS', 3, '1-0'));
    assert.match(e.message, /^ERR /);
});

test('XNACK hands entries back to the group with FAIL, SILENT and FATAL', T, async () => {
    const { r } = ctx;
    await prepare(r, 3);
    assert.equal(await r.call('XNACK', 's', 'g', 'FAIL', 'IDS', 2, '1-0', '2-0'), 2);
    assert.equal(await r.call('XNACK', 's', 'g', 'SILENT', 'IDS', 1, '3-0'), 1);
    const pel = await r.xpending('s', 'g', '-', '+', 10);
    assert.deepEqual(pel, [['1-0', '', -1, 1], ['2-0', '', -1, 1], ['3-0', '', -1, 0]]);
    // released entries go to the next reader that claims them
    const claimed = await r.xclaim('s', 'g', 'c2', 0, '1-0', 'JUSTID');
    assert.deepEqual(claimed, ['1-0']);
    assert.equal(await r.call('XNACK', 's', 'g', 'FATAL', 'IDS', 1, '1-0'), 1);
    // ioredis parses integer replies into JS numbers, so LLONG_MAX arrives
    // inexact (the parser's own rounding, not even the nearest double);
    // stringNumbers: true gives the exact digits.
    const [approx] = await r.xpending('s', 'g', '1-0', '1-0', 1);
    assert.ok(approx[3] > 9.2e18);
    const exact = ctx.client({ stringNumbers: true });
    const [first] = await exact.xpending('s', 'g', '1-0', '1-0', 1);
    assert.deepEqual(first.slice(1), ['', '-1', '9223372036854775807']); // released, poisoned
    const e = await replyError(r.call('XNACK', 's', 'nope', 'FAIL', 'IDS', 1, '1-0'));
    assert.equal(e.message, "NOGROUP No such key 's' or consumer group 'nope'");
    const e2 = await replyError(r.call('XNACK', 's', 'g', 'FAIL'));
    assert.equal(e2.message, "ERR wrong number of arguments for 'xnack' command");
});
