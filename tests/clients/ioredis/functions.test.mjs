// Redis 7 Functions through ioredis: FUNCTION LOAD through its generic
// `function` command, then FCALL / FCALL_RO with keys and arguments (a
// stream written and read by the library's functions), the errors ioredis
// surfaces as ReplyError, FUNCTION LIST and DELETE, and FCALL inside a
// pipeline and a MULTI. Every assertion holds against Debian's redis-server
// 7.0 too (STREAMD_TARGET=redis).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, replyError, TIMEOUT } from './lib/harness.mjs';

const T = { timeout: TIMEOUT };
const ctx = setup('functions');

const LIB = `#!lua name=orders
redis.register_function('place', function(keys, args)
  return redis.call('XADD', keys[1], '*', 'id', args[1], 'qty', args[2])
end)
redis.register_function{function_name='count', callback=function(keys)
  return redis.call('XLEN', keys[1])
end, flags={'no-writes'}, description='entries in a stream'}
redis.register_function('fail', function(keys) return redis.call('INCR', keys[1]) end)
`;

test('FUNCTION LOAD then FCALL and FCALL_RO with keys and arguments', T, async () => {
    const { r } = ctx;
    await r.function('FLUSH');
    assert.equal(await r.function('LOAD', LIB), 'orders');
    const id = await r.fcall('place', 1, 'orders', '42', '3');
    assert.match(id, /^\d+-\d+$/);
    await r.fcall('place', '1', 'orders', '43', '1');
    assert.equal(await r.fcall('count', 1, 'orders'), 2);
    assert.equal(await r.fcall_ro('count', 1, 'orders'), 2);
    const entries = await r.xrange('orders', '-', '+');
    assert.deepEqual(entries.map((e) => e[1]), [['id', '42', 'qty', '3'], ['id', '43', 'qty', '1']]);
    assert.equal(entries[0][0], id);

    let e = await replyError(r.fcall_ro('place', 1, 'orders', '44', '1'));
    assert.equal(e.message, 'ERR Can not execute a script with write flag using *_ro command.');
    e = await replyError(r.fcall('fail', 1, 'orders'));
    assert.equal(e.message, 'WRONGTYPE Operation against a key holding the wrong kind of value '
        + 'script: fail, on @user_function:8.');
    e = await replyError(r.fcall('nope', 0));
    assert.equal(e.message, 'ERR Function not found');
    e = await replyError(r.function('LOAD', LIB));
    assert.equal(e.message, "ERR Library 'orders' already exists");
    assert.equal(await r.function('LOAD', 'REPLACE', LIB), 'orders');

    const [lib] = await r.function('LIST', 'LIBRARYNAME', 'orders');
    assert.equal(lib[0], 'library_name');
    assert.equal(lib[1], 'orders');
    const names = lib[5].map((f) => f[1]).sort();
    assert.deepEqual(names, ['count', 'fail', 'place']);

    const res = await r.pipeline().fcall('count', 1, 'orders').fcall('nope', 0).exec();
    assert.deepEqual(res[0], [null, 2]);
    assert.equal(res[1][0].message, 'ERR Function not found');
    const tx = await r.multi().fcall('place', 1, 'orders', '45', '2').fcall_ro('count', 1, 'orders').exec();
    assert.equal(tx[1][1], 3);

    assert.equal(await r.function('DELETE', 'orders'), 'OK');
    e = await replyError(r.fcall('count', 1, 'orders'));
    assert.equal(e.message, 'ERR Function not found');
});
