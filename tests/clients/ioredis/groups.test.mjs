// Consumer groups through ioredis's own methods: XGROUP CREATE (MKSTREAM,
// ENTRIESREAD) / CREATECONSUMER / DELCONSUMER / SETID / DESTROY, XREADGROUP
// (new entries, history, BLOCK woken by another connection, NOACK), XACK,
// XPENDING (summary and extended), XCLAIM (plain and JUSTID), XAUTOCLAIM,
// XINFO GROUPS / CONSUMERS, and NOGROUP / BUSYGROUP as ReplyErrors with
// Redis's exact text. Every assertion holds against Debian's redis-server 7.0
// (STREAMD_TARGET=redis) except the fields Redis added later, which are
// checked on streamd only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, waitBlocked, pairs, replyError, TIMEOUT, IS_REDIS } from './lib/harness.mjs';

const T = { timeout: TIMEOUT };
const ctx = setup('groups');

const BUSYGROUP = 'BUSYGROUP Consumer Group name already exists';
const nogroup = (key, group) => `NOGROUP No such key '${key}' or consumer group '${group}'`;

async function prepare(r, n = 3, key = 's', group = 'g') {
    for (let i = 1; i <= n; i++) await r.xadd(key, `${i}-0`, 'n', String(i));
    assert.equal(await r.xgroup('CREATE', key, group, '0'), 'OK');
}

const ids = (entries) => entries.map((e) => e[0]);

test('XGROUP CREATE, MKSTREAM, ENTRIESREAD and BUSYGROUP', T, async () => {
    const { r } = ctx;
    const e = await replyError(r.xgroup('CREATE', 's', 'g', '$'));
    assert.equal(e.message, 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE '
        + 'you may want to use the MKSTREAM option to create an empty stream automatically.');
    assert.equal(await r.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM'), 'OK');
    assert.equal(await r.type('s'), 'stream');
    assert.equal((await replyError(r.xgroup('CREATE', 's', 'g', '0'))).message, BUSYGROUP);
    await r.xadd('s', '1-0', 'f', 'v');
    await r.xadd('s', '2-0', 'f', 'v');
    assert.equal(await r.xgroup('CREATE', 's', 'h', '1-0', 'ENTRIESREAD', 1), 'OK');
    const groups = (await r.xinfo('GROUPS', 's')).map(pairs);
    assert.deepEqual(groups.map((g) => [g.get('name'), g.get('last-delivered-id'), g.get('entries-read'),
        g.get('lag')]), [['g', '0-0', null, 2], ['h', '1-0', 1, 1]]);
    const bad = await replyError(r.xgroup('CREATE', 's', 'k', 'bogus'));
    assert.equal(bad.message, 'ERR Invalid stream ID specified as stream command argument');
});

test('XGROUP CREATECONSUMER, DELCONSUMER, SETID and DESTROY', T, async () => {
    const { r } = ctx;
    await prepare(r);
    assert.equal(await r.xgroup('CREATECONSUMER', 's', 'g', 'alice'), 1);
    assert.equal(await r.xgroup('CREATECONSUMER', 's', 'g', 'alice'), 0);
    await r.xreadgroup('GROUP', 'g', 'bob', 'COUNT', 2, 'STREAMS', 's', '>');
    const consumers = (await r.xinfo('CONSUMERS', 's', 'g')).map(pairs);
    assert.deepEqual(consumers.map((c) => [c.get('name'), c.get('pending')]), [['alice', 0], ['bob', 2]]);
    for (const c of consumers) {
        assert.equal(typeof c.get('idle'), 'number');
        if (!IS_REDIS) assert.equal(typeof c.get('inactive'), 'number'); // Redis 7.2+
    }
    assert.equal(await r.xgroup('DELCONSUMER', 's', 'g', 'bob'), 2); // its pending count
    assert.equal(await r.xgroup('DELCONSUMER', 's', 'g', 'nobody'), 0);
    assert.deepEqual(await r.xpending('s', 'g'), [0, null, null, null]);
    // SETID rewinds the group: everything is new again
    assert.equal(await r.xgroup('SETID', 's', 'g', '0'), 'OK');
    assert.deepEqual(ids((await r.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>'))[0][1]),
        ['1-0', '2-0', '3-0']);
    assert.equal(await r.xgroup('SETID', 's', 'g', '$'), 'OK');
    assert.equal(await r.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>'), null);
    assert.equal(await r.xgroup('DESTROY', 's', 'g'), 1);
    assert.equal(await r.xgroup('DESTROY', 's', 'g'), 0);
    assert.deepEqual(await r.xinfo('GROUPS', 's'), []);
    const e = await replyError(r.xgroup('SETID', 's', 'g', '0'));
    assert.equal(e.message, "NOGROUP No such consumer group 'g' for key name 's'");
    const e2 = await replyError(r.xgroup('CREATECONSUMER', 's', 'g', 'x'));
    assert.equal(e2.message, "NOGROUP No such consumer group 'g' for key name 's'");
});

test('XREADGROUP > delivers new entries once, 0 replays the history, XACK retires them', T, async () => {
    const { r } = ctx;
    await prepare(r, 4);
    const first = await r.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 3, 'STREAMS', 's', '>');
    assert.deepEqual(first, [['s', [['1-0', ['n', '1']], ['2-0', ['n', '2']], ['3-0', ['n', '3']]]]]);
    assert.deepEqual(ids((await r.xreadgroup('GROUP', 'g', 'c2', 'STREAMS', 's', '>'))[0][1]), ['4-0']);
    // history: the consumer's own pending entries, from an ID
    assert.deepEqual(ids((await r.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', 's', '0'))[0][1]),
        ['1-0', '2-0', '3-0']);
    assert.deepEqual(ids((await r.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', 's', '1-0'))[0][1]),
        ['2-0', '3-0']);
    assert.equal(await r.xack('s', 'g', '1-0', '2-0', '9-0'), 2);
    assert.equal(await r.xack('s', 'g', '1-0'), 0);
    assert.equal(await r.xack('s', 'nogroup', '3-0'), 0);
    // a pending entry deleted from the stream shows in the history as [id, null]
    await r.xdel('s', '3-0');
    assert.deepEqual(await r.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', 's', '0'), [['s', [['3-0', null]]]]);
    assert.equal(await r.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', 's', '>'), null);
    const e = await replyError(r.xreadgroup('GROUP', 'nope', 'c', 'STREAMS', 's', '>'));
    assert.equal(e.message, `${nogroup('s', 'nope')} in XREADGROUP with GROUP option`);
    const e2 = await replyError(r.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 'missing', '>'));
    assert.equal(e2.message, `${nogroup('missing', 'g')} in XREADGROUP with GROUP option`);
});

test('XREADGROUP NOACK delivers without a pending entry', T, async () => {
    const { r } = ctx;
    await prepare(r, 2);
    const res = await r.xreadgroup('GROUP', 'g', 'c', 'NOACK', 'STREAMS', 's', '>');
    assert.deepEqual(ids(res[0][1]), ['1-0', '2-0']);
    assert.deepEqual(await r.xpending('s', 'g'), [0, null, null, null]);
    assert.equal(pairs((await r.xinfo('GROUPS', 's'))[0]).get('last-delivered-id'), '2-0');
});

test('XREADGROUP BLOCK is woken by an XADD from another connection', T, async () => {
    const { r } = ctx;
    await prepare(r, 1);
    await r.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
    const reader = ctx.client();
    const pending = reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
    await waitBlocked(r, 1);
    const id = await r.xadd('s', '*', 'k', 'v');
    assert.deepEqual(await pending, [['s', [[id, ['k', 'v']]]]]);
    const summary = await r.xpending('s', 'g');
    assert.deepEqual(summary, [2, '1-0', id, [['c', '2']]]);
    // and a BLOCK with a timeout and nothing new returns null
    assert.equal(await reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 20, 'STREAMS', 's', '>'), null);
});

test('a blocked XREADGROUP fails when its group is destroyed', T, async () => {
    const { r } = ctx;
    await prepare(r, 1);
    await r.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
    const reader = ctx.client();
    const pending = replyError(reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>'));
    await waitBlocked(r, 1);
    assert.equal(await r.xgroup('DESTROY', 's', 'g'), 1);
    const e = await pending;
    // Redis 7.2+ (streamd's surface) answers as the command would if sent
    // again; 7.0 had a text of its own.
    assert.equal(e.message, IS_REDIS
        ? 'NOGROUP the consumer group this client was blocked on no longer exists'
        : `${nogroup('s', 'g')} in XREADGROUP with GROUP option`);
    await waitBlocked(r, 0);
});

test('XPENDING summary and extended form with IDLE and a consumer filter', T, async () => {
    const { r } = ctx;
    await prepare(r, 5);
    await r.xreadgroup('GROUP', 'g', 'alice', 'COUNT', 3, 'STREAMS', 's', '>');
    await r.xreadgroup('GROUP', 'g', 'bob', 'STREAMS', 's', '>');
    assert.deepEqual(await r.xpending('s', 'g'), [5, '1-0', '5-0', [['alice', '3'], ['bob', '2']]]);
    const ext = await r.xpending('s', 'g', '-', '+', 10);
    assert.deepEqual(ext.map((e) => [e[0], e[1], e[3]]),
        [['1-0', 'alice', 1], ['2-0', 'alice', 1], ['3-0', 'alice', 1], ['4-0', 'bob', 1], ['5-0', 'bob', 1]]);
    for (const e of ext) assert.ok(Number.isInteger(e[2]) && e[2] >= 0);
    assert.deepEqual(ids(await r.xpending('s', 'g', '(1-0', '4', 2)), ['2-0', '3-0']);
    assert.deepEqual(ids(await r.xpending('s', 'g', '-', '+', 10, 'bob')), ['4-0', '5-0']);
    assert.deepEqual(await r.xpending('s', 'g', 'IDLE', 3600000, '-', '+', 10), []);
    assert.equal((await r.xpending('s', 'g', 'IDLE', 0, '-', '+', 10)).length, 5);
    assert.deepEqual(await r.xpending('s', 'g', '-', '+', 10, 'nobody'), []);
    const e = await replyError(r.xpending('s', 'nope'));
    assert.equal(e.message, nogroup('s', 'nope'));
});

test('XCLAIM moves entries and counts deliveries; JUSTID does not', T, async () => {
    const { r } = ctx;
    await prepare(r, 3);
    await r.xreadgroup('GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    const claimed = await r.xclaim('s', 'g', 'bob', 0, '1-0', '2-0', '9-0');
    assert.deepEqual(claimed, [['1-0', ['n', '1']], ['2-0', ['n', '2']]]);
    assert.deepEqual(await r.xclaim('s', 'g', 'carol', 0, '3-0', 'JUSTID'), ['3-0']);
    const ext = await r.xpending('s', 'g', '-', '+', 10);
    assert.deepEqual(ext.map((e) => [e[0], e[1], e[3]]), [['1-0', 'bob', 2], ['2-0', 'bob', 2], ['3-0', 'carol', 1]]);
    // a min-idle-time nothing has reached claims nothing
    assert.deepEqual(await r.xclaim('s', 'g', 'dave', 3600000, '1-0'), []);
    // RETRYCOUNT and FORCE
    assert.deepEqual(await r.xclaim('s', 'g', 'dave', 0, '1-0', 'RETRYCOUNT', 7, 'JUSTID'), ['1-0']);
    assert.equal((await r.xpending('s', 'g', '1-0', '1-0', 1))[0][3], 7);
    await r.xadd('s', '4-0', 'n', '4');
    assert.deepEqual(await r.xclaim('s', 'g', 'dave', 0, '4-0'), []); // not pending
    assert.deepEqual(await r.xclaim('s', 'g', 'dave', 0, '4-0', 'FORCE', 'JUSTID'), ['4-0']);
    const e = await replyError(r.xclaim('s', 'nope', 'c', 0, '1-0'));
    assert.equal(e.message, nogroup('s', 'nope'));
});

test('XAUTOCLAIM scans with a cursor and reports deleted entries', T, async () => {
    const { r } = ctx;
    await prepare(r, 5);
    await r.xreadgroup('GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    await r.xdel('s', '2-0');
    const [cursor, entries, deleted] = await r.xautoclaim('s', 'g', 'bob', 0, '0-0', 'COUNT', 3);
    assert.equal(cursor, '4-0');
    assert.deepEqual(entries, [['1-0', ['n', '1']], ['3-0', ['n', '3']]]);
    assert.deepEqual(deleted, ['2-0']);
    assert.deepEqual(await r.xautoclaim('s', 'g', 'bob', 0, cursor, 'JUSTID'), ['0-0', ['4-0', '5-0'], []]);
    const ext = await r.xpending('s', 'g', '-', '+', 10);
    assert.deepEqual(ext.map((e) => [e[0], e[1], e[3]]),
        [['1-0', 'bob', 2], ['3-0', 'bob', 2], ['4-0', 'bob', 1], ['5-0', 'bob', 1]]);
    assert.deepEqual(await r.xautoclaim('s', 'g', 'carol', 3600000, '0'), ['0-0', [], []]);
    const e = await replyError(r.xautoclaim('s', 'nope', 'c', 0, '0'));
    assert.equal(e.message, nogroup('s', 'nope'));
});

test('XINFO GROUPS and CONSUMERS follow reads and acks', T, async () => {
    const { r } = ctx;
    await prepare(r, 3);
    await r.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 2, 'STREAMS', 's', '>');
    await r.xack('s', 'g', '1-0');
    const [g] = (await r.xinfo('GROUPS', 's')).map(pairs);
    assert.deepEqual(Object.fromEntries(g), {
        name: 'g', consumers: 1, pending: 1, 'last-delivered-id': '2-0', 'entries-read': 2, lag: 1,
    });
    const [c] = (await r.xinfo('CONSUMERS', 's', 'g')).map(pairs);
    assert.equal(c.get('name'), 'c1');
    assert.equal(c.get('pending'), 1);
    const e = await replyError(r.xinfo('CONSUMERS', 's', 'nope'));
    assert.equal(e.message, "NOGROUP No such consumer group 'nope' for key name 's'");
    assert.equal((await replyError(r.xinfo('GROUPS', 'missing'))).message, 'ERR no such key');
});
