// Lua scripting through ioredis: defineCommand (EVALSHA first, EVAL when the
// server answers NOSCRIPT, the script cached afterwards), in pipelines and
// MULTI, with fixed and dynamic numbers of keys and the *Buffer variants;
// eval/evalsha/script load directly; and script errors as ReplyErrors, also
// nested inside an array reply. Every assertion holds against Debian's
// redis-server 7.0 too (STREAMD_TARGET=redis).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setup, infoField, replyError, TIMEOUT } from './lib/harness.mjs';

const T = { timeout: TIMEOUT };
const ctx = setup('scripting');

const sha1 = (s) => createHash('sha1').update(s).digest('hex');

const XADD_LEN = "redis.call('XADD', KEYS[1], ARGV[1], 'f', ARGV[2]) "
    + "return {redis.call('XLEN', KEYS[1]), ARGV[2]}";

test('defineCommand: EVAL first, EVALSHA next, EVAL again after NOSCRIPT', T, async () => {
    const { r } = ctx;
    await r.script('FLUSH');
    await r.config('RESETSTAT');
    r.defineCommand('xaddLen', { numberOfKeys: 1, lua: XADD_LEN });
    assert.deepEqual(await r.xaddLen('s', '1-1', 'a'), [1, 'a']);
    assert.deepEqual(await r.script('EXISTS', sha1(XADD_LEN)), [1]);
    assert.equal(await infoField(r, 'memory', 'number_of_cached_scripts'), '1');
    assert.deepEqual(await r.xaddLen('s', '2-1', 'b'), [2, 'b']);
    // the cache is emptied behind ioredis's back: its EVALSHA gets NOSCRIPT
    // and it retries with EVAL, which loads the script again
    await r.script('FLUSH');
    const bin = await r.xaddLenBuffer('s', '3-1', Buffer.from([0, 0xff, 13, 10]));
    assert.equal(bin[0], 3);
    assert.ok(Buffer.from([0, 0xff, 13, 10]).equals(bin[1]));
    assert.deepEqual(await r.script('EXISTS', sha1(XADD_LEN)), [1]);
    const stats = await r.info('commandstats');
    assert.match(stats, /cmdstat_evalsha:calls=2,[^\r\n]*,failed_calls=1\r\n/);
    assert.match(stats, /cmdstat_eval:calls=2,[^\r\n]*,failed_calls=0\r\n/);
    assert.match(stats, /cmdstat_xadd:calls=3,/);
    assert.deepEqual((await r.xrange('s', '-', '+')).map((e) => e[0]), ['1-1', '2-1', '3-1']);
});

test('defineCommand in a pipeline and in MULTI, dynamic key count', T, async () => {
    const { r } = ctx;
    await r.script('FLUSH');
    r.defineCommand('xaddLen', { numberOfKeys: 1, lua: XADD_LEN });
    r.defineCommand('keysArgs', { lua: 'return {#KEYS, #ARGV, KEYS[1], ARGV[1]}' });
    const res = await r.pipeline()
        .xaddLen('p', '1-1', 'x')
        .xaddLen('p', '1-1', 'again')
        .keysArgs(2, 'k1', 'k2', 'a1')
        .keysArgs(0, 'only-arg')
        .exec();
    assert.deepEqual(res[0], [null, [1, 'x']]);
    assert.equal(res[1][0].name, 'ReplyError');
    assert.match(res[1][0].message,
        /^ERR The ID specified in XADD is equal or smaller than the target stream top item script: [0-9a-f]{40}, on @user_script:1\.$/);
    assert.deepEqual(res[2], [null, [2, 1, 'k1', 'a1']]);
    // KEYS[1] is nil: the array stops there
    assert.deepEqual(res[3], [null, [0, 1]]);
    const tx = await r.multi().xaddLen('p', '2-1', 'y').xlen('p').keysArgs(1, 'k').exec();
    assert.deepEqual(tx, [[null, [2, 'y']], [null, 2], [null, [1, 0, 'k']]]);
});

test('eval, evalsha, script load and their errors', T, async () => {
    const { r } = ctx;
    await r.script('FLUSH');
    const src = 'return {KEYS[1], ARGV[1], tonumber(ARGV[2]) * 2}';
    assert.deepEqual(await r.eval(src, 1, 'k', 'a', '21'), ['k', 'a', 42]);
    const sha = await r.script('LOAD', src);
    assert.equal(sha, sha1(src));
    assert.deepEqual(await r.evalsha(sha, 1, 'k2', 'b', '5'), ['k2', 'b', 10]);
    let e = await replyError(r.evalsha('f'.repeat(40), 0));
    assert.equal(e.message, 'NOSCRIPT No matching script. Please use EVAL.');
    e = await replyError(r.eval("return redis.call('nope')", 0));
    assert.match(e.message, /^ERR Unknown Redis command called from script script: [0-9a-f]{40}, on @user_script:1\.$/);
    e = await replyError(r.eval('return (', 0));
    assert.equal(e.message,
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'");
    e = await replyError(r.eval("return {err='MYCODE custom'}", 0));
    assert.equal(e.message, 'MYCODE custom');
    e = await replyError(r.eval('return 1', 2, 'only-one'));
    assert.equal(e.message, "ERR Number of keys can't be greater than number of args");
    // an error table nested in an array arrives as an Error in place
    await r.set('s', 'not a number');
    const mixed = await r.eval("return {1, {ok='fine'}, redis.pcall('INCR', KEYS[1]), 'x'}", 1, 's');
    assert.equal(mixed.length, 4);
    assert.equal(mixed[0], 1);
    assert.equal(mixed[1], 'fine');
    assert.equal(mixed[2].name, 'ReplyError');
    assert.equal(mixed[2].message, 'ERR value is not an integer or out of range');
    assert.equal(mixed[3], 'x');
});

test('a script sees KEYS and ARGV binary-safe and writes streams atomically', T, async () => {
    const { r } = ctx;
    const key = Buffer.from([0x73, 0, 0xfe]);
    const val = Buffer.alloc(70000, 0xab);
    val[0] = 0;
    const got = await r.evalBuffer(
        "redis.call('XADD', KEYS[1], '1-1', 'f', ARGV[1]) "
        + "redis.call('XGROUP', 'CREATE', KEYS[1], 'g', '0') "
        + "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')",
        1, key, val);
    assert.ok(got[0][0].equals(key));
    assert.equal(got[0][1][0][0].toString(), '1-1');
    assert.ok(got[0][1][0][1][1].equals(val));
    const pending = await r.xpending(key, 'g');
    assert.equal(pending[0], 1);
});
