// Pub/Sub through ioredis's subscriber mode: subscribe/psubscribe with their
// 'message'/'pmessage' events (and the *Buffer variants for binary data), the
// counts the subscribe promises resolve to, a subscriber connection refusing
// other commands, unsubscribing, and ioredis re-subscribing after its
// connection is killed. Every assertion holds against Debian's
// redis-server 7.0 too (STREAMD_TARGET=redis).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setup, TIMEOUT } from './lib/harness.mjs';

const T = { timeout: TIMEOUT };
const ctx = setup('pubsub');

async function waitFor(fn) {
    const deadline = Date.now() + 10000;
    for (;;) {
        if (await fn()) return;
        if (Date.now() > deadline) throw new Error('condition never held');
        await new Promise((res) => setTimeout(res, 10));
    }
}

test('subscribe and psubscribe deliver message and pmessage events', T, async () => {
    const { r } = ctx;
    const sub = ctx.client();
    assert.equal(await sub.subscribe('news', 'sport'), 2);
    assert.equal(await sub.psubscribe('n*'), 3);
    const got = [];
    sub.on('message', (ch, msg) => got.push(['message', ch, msg]));
    sub.on('pmessage', (pat, ch, msg) => got.push(['pmessage', pat, ch, msg]));
    assert.equal(await r.publish('news', 'hello'), 2);
    assert.equal(await r.publish('sport', 'goal'), 1);
    assert.equal(await r.publish('nothing', 'x'), 1);
    assert.equal(await r.publish('other', 'y'), 0);
    await waitFor(() => got.length === 4);
    assert.deepEqual(got, [
        ['message', 'news', 'hello'],
        ['pmessage', 'n*', 'news', 'hello'],
        ['message', 'sport', 'goal'],
        ['pmessage', 'n*', 'nothing', 'x'],
    ]);
    assert.deepEqual(await r.pubsub('NUMSUB', 'news', 'sport', 'none'), ['news', 1, 'sport', 1, 'none', 0]);
    assert.equal(await r.pubsub('NUMPAT'), 1);
    assert.deepEqual((await r.pubsub('CHANNELS')).sort(), ['news', 'sport']);
});

test('binary channels and payloads through messageBuffer', T, async () => {
    const { r } = ctx;
    const sub = ctx.client();
    const chan = Buffer.from([0, 0xff, 13, 10, 0x61]);
    const payload = Buffer.alloc(100000, 0xfe);
    payload[0] = 0;
    await sub.subscribe(chan);
    const ev = once(sub, 'messageBuffer');
    assert.equal(await r.publish(chan, payload), 1);
    const [c, m] = await ev;
    assert.ok(c.equals(chan));
    assert.ok(m.equals(payload));
});

test('a subscriber connection refuses other commands; unsubscribe leaves the mode', T, async () => {
    const { r } = ctx;
    const sub = ctx.client();
    await sub.subscribe('a');
    // ioredis itself refuses other commands on a subscribed connection
    await assert.rejects(sub.get('k'), /Connection in subscriber mode/);
    assert.equal(await sub.unsubscribe('a'), 0);
    assert.equal(await sub.get('k'), null);
    assert.equal(await r.publish('a', 'm'), 0);
    assert.deepEqual(await r.pubsub('CHANNELS'), []);
});

test('ioredis subscribes again after CLIENT KILL TYPE pubsub', T, async () => {
    const { r } = ctx;
    const sub = ctx.client();
    await sub.subscribe('again');
    await sub.psubscribe('ag*');
    assert.equal(await r.client('KILL', 'TYPE', 'pubsub'), 1);
    await waitFor(async () => (await r.pubsub('NUMSUB', 'again'))[1] === 1 &&
        (await r.pubsub('NUMPAT')) === 1);
    const ev = once(sub, 'message');
    assert.equal(await r.publish('again', 'back'), 2);
    assert.deepEqual(await ev, ['again', 'back']);
});

test('many subscribers each get every message once', T, async () => {
    const { r } = ctx;
    const subs = [];
    const counts = new Array(30).fill(0);
    for (let i = 0; i < 30; i++) {
        const s = ctx.client();
        await s.subscribe('fan');
        s.on('message', () => { counts[i]++; });
        subs.push(s);
    }
    for (let k = 0; k < 10; k++) assert.equal(await r.publish('fan', `m${k}`), 30);
    await waitFor(() => counts.every((n) => n === 10));
    for (const s of subs) s.disconnect();
    await waitFor(async () => (await r.pubsub('NUMSUB', 'fan'))[1] === 0);
});
