"""The Lua debugger (SCRIPT DEBUG YES | SYNC | NO) against redis-server 7.0:
whole debugging sessions as redis-cli --ldb drives them, every byte the
server writes compared.

A session: SCRIPT DEBUG on one connection, then EVAL; the server answers with
arrays of status lines (the stop, the listing, values, the commands the
script ran and their replies) and reads the debugger's commands as RESP
arrays; it ends with "<endsession>", the EVAL's reply and the connection
closed. Each scenario runs the same session on both servers, once forked
(YES) and once synchronous (SYNC) unless it says otherwise, and compares the
frames one by one, then what the dataset kept (a forked session's writes are
the child's; a synchronous one's stay).
"""

import socket
import time

import pytest

from testlib import IS_REDIS, encode_command as enc

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def _line(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return i
            self._fill()

    def _frame_end(self, pos):
        """The end of the complete RESP value starting at pos."""
        i = self._line(pos)
        t = self.buf[pos:pos + 1]
        if t in (b"+", b"-", b":", b"_", b",", b"#"):
            return i + 2
        n = int(self.buf[pos + 1:i])
        if t == b"$":
            if n < 0:
                return i + 2
            while len(self.buf) < i + 2 + n + 2:
                self._fill()
            return i + 2 + n + 2
        end = i + 2
        count = n * 2 if t == b"%" else n
        for _ in range(max(count, 0)):
            end = self._frame_end(end)
        return end

    def frame(self):
        if not self.buf:
            self._fill()
        end = self._frame_end(0)
        f, self.buf = self.buf[:end], self.buf[end:]
        return f

    def closed(self):
        """True when the server closed the connection (after any bytes left)."""
        if self.buf:
            return False
        self.s.settimeout(10)
        try:
            return self.s.recv(1) == b""
        except OSError:
            return True

    def send(self, raw):
        self.s.sendall(raw)

    def close(self):
        self.s.close()


def run_session(port, mode, script, keys=(), args=(), commands=(), after=()):
    """Frames of a whole session, then the replies of `after` on a new
    connection (what the dataset kept)."""
    out = []
    c = Conn(port)
    c.send(enc("SCRIPT", "DEBUG", mode))
    out.append(c.frame())
    c.send(enc("EVAL", script, len(keys), *keys, *args))
    ended = False

    def take():
        nonlocal ended
        f = c.frame()
        out.append(f)
        if f.endswith(b"+<endsession>\r\n"):
            out.append(c.frame())  # the EVAL's reply
            out.append(b"closed" if c.closed() else b"open")
            ended = True

    take()
    for cmd in commands:
        if ended:
            break
        c.send(cmd if isinstance(cmd, bytes) else enc(*cmd.split(" ")))
        take()
    assert ended, out
    c.close()
    out.append(b"--after--")
    for cmd in after:
        d = Conn(port)
        d.send(enc(*cmd))
        out.append(d.frame())
        d.close()
    return out


BASIC = "local a = 1\nlocal t = {1,2,'x'}\nredis.call('set','k','v')\nredis.debug('hi', a, t)\nlocal b = redis.call('get','k')\nreturn b"

SCENARIOS = {
    "walkthrough": (BASIC, ["k"], ["x"],
                    ["help", "s", "p", "p a", "p KEYS", "p ARGV", "p nosuch", "s", "s", "list",
                     "w", "b 5", "b", "t", "e a+1", "r ping", "m", "m 10", "s", "s", "s"],
                    [("GET", "k")]),
    "continue": (BASIC, ["k"], [], ["c"], [("GET", "k")]),
    "maxlen": ("redis.call('set','big',string.rep('x',400))\nlocal v = redis.call('get','big')\n"
               "return #v", [], [],
               ["s", "s", "m 0", "r get big", "m 70", "r get big", "r strlen big", "m -5", "c"],
               [("STRLEN", "big")]),
    "reply-shapes": ("redis.call('rpush','l','a','b')\nredis.call('lrange','l',0,-1)\n"
                     "redis.call('get','nokey')\nredis.call('hset','h','f','v')\n"
                     "redis.call('hgetall','h')\nredis.call('sadd','s','m')\n"
                     "redis.setresp(3)\nredis.call('hgetall','h')\nredis.call('smembers','s')\n"
                     "redis.call('get','nokey')\nredis.call('zadd','z','1.5','a')\n"
                     "redis.call('zscore','z','a')\nredis.pcall('incr','h')\n"
                     "redis.call('lrange','nokey',0,-1)\nreturn 1", [], [],
                     ["s"] * 16, [("LRANGE", "l", "0", "-1")]),
    "breakpoints": ("local x = 1\nx = x + 1\nx = x + 1\nx = x + 1\nreturn x", [], [],
                    ["b 3", "b 3", "b 99", "b x", "b -2", "b 2 4", "b", "b -4", "b", "b 01",
                     "b +2", "c", "c", "b 0", "b", "c"], []),
    "lua-breakpoint": ("local n = 0\nfor i = 1, 3 do\n  n = n + i\nend\nredis.breakpoint()\n"
                       "n = n * 2\nreturn n", [], [], ["c", "p n", "c"], []),
    "abort": ("redis.call('set','ab','1')\nredis.call('set','ab','2')\nreturn 1", [], [],
              ["s", "a"], [("GET", "ab")]),
    "script-error": ("local v = 1\nredis.call('nosuchcmd')\nreturn v", [], [], ["c"], []),
    "step-errors": ("local v = 1\nredis.pcall('nosuchcmd')\nredis.pcall('get')\n"
                    "redis.pcall('get', {})\npcall(redis.sha1hex)\n"
                    "redis.pcall('set','se','1')\nreturn redis.call('nosuchcmd')", [], [],
                    ["s"] * 8, [("GET", "se")]),
    "runtime-error": ("local t = nil\nreturn t.x", [], [], ["s", "s"], []),
    "no-return": ("redis.call('set','nr','1')\nredis.call('incr','nr')", [], [],
                  ["s", "s", "s", "s"], [("GET", "nr")]),
    "functions": ("local function double(x)\n  local y = x * 2\n  return y\nend\n"
                  "local r = double(21)\nreturn r", [], [],
                  ["s", "s", "s", "t", "p", "p x", "s", "t", "l 1 1", "l 0", "l 3 0", "l 9",
                   "e x", "e y = 1", "e error('boom')", "e redis.call('ping')",
                   "e {1, 'two', {three=3}}", "e nil", "e true", "e", "c"], []),
    "unknown-commands": ("return 1", [], [], ["foo", "r", "p a b", "help me", "S", "C"], []),
    "empty-locals": ("return redis.call('ping')", [], [], ["p", "t", "c"], []),
    "long-command": ("return redis.call('mset','a','1','b','2','c','3','d','4','e','5','f','6')",
                     [], [], ["s"], [("GET", "f")]),
    "protocol-error": ("return 1", [], [], [b"garbage\r\n"], []),
    "big-args": ("return 1", [], [], [b"*1\r\n$2000\r\n" + b"x" * 2000 + b"\r\n"], []),
    "numkeys": ("return 1", ["a", "b", "c"], [], [], []),
    "compile-error": ("return +", [], [], [], []),
    "shebang": ("#!lua flags=no-writes\nlocal z = 3\nreturn z", [], [], ["s", "p", "c"], []),
}


@pytest.mark.parametrize("mode", ["YES", "SYNC"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_session(server, ref_server, r, ref, name, mode):
    script, keys, args, commands, after = SCENARIOS[name]
    if name == "numkeys":
        # more keys than arguments: EVAL's own error, inside the session
        keys = ["a", "b"]
        ours = run_numkeys(server.port, mode)
        theirs = run_numkeys(ref_server.port, mode)
        assert ours == theirs
        return
    ours = run_session(server.port, mode, script, keys, args, commands, after)
    theirs = run_session(ref_server.port, mode, script, keys, args, commands, after)
    assert ours == theirs


def run_numkeys(port, mode):
    c = Conn(port)
    c.send(enc("SCRIPT", "DEBUG", mode))
    out = [c.frame()]
    c.send(enc("EVAL", "return 1", "3", "a"))
    out += [c.frame(), c.frame(), c.closed()]
    c.close()
    return out


def test_evalsha_refused(server, ref_server, r, ref):
    out = []
    for port in (server.port, ref_server.port):
        c = Conn(port)
        c.send(enc("SCRIPT", "LOAD", "return 1"))
        sha = c.frame()
        c.send(enc("SCRIPT", "DEBUG", "YES"))
        got = [sha, c.frame()]
        c.send(enc("EVALSHA", sha.split(b"\r\n")[1].decode(), "0"))
        got.append(c.frame())
        c.send(enc("EVALSHA", "abc", "0"))
        got.append(c.frame())
        # SCRIPT DEBUG NO: the next EVAL is an ordinary one
        c.send(enc("SCRIPT", "DEBUG", "NO"))
        got.append(c.frame())
        c.send(enc("EVAL", "return 7", "0"))
        got.append(c.frame())
        c.send(enc("PING"))
        got.append(c.frame())
        c.close()
        out.append(got)
    assert out[0] == out[1]


def test_pipelined_refused(server, ref_server, r, ref):
    out = []
    for port in (server.port, ref_server.port):
        c = Conn(port)
        c.send(enc("PING") + enc("SCRIPT", "DEBUG", "YES"))
        got = [c.frame(), c.frame()]
        c.send(enc("EVAL", "return 5", "0"))
        got.append(c.frame())
        c.close()
        out.append(got)
    assert out[0] == out[1]


@pytest.mark.parametrize("mode", ["YES", "SYNC"])
def test_client_gone(server, ref_server, r, ref, mode):
    """The debugging client goes away at a stop: the script runs on to its
    end without stopping; a synchronous one's writes stay."""
    script = "redis.call('set','gone','1')\nredis.call('incr','gone')\nreturn 1"
    out = []
    for port in (server.port, ref_server.port):
        c = Conn(port)
        c.send(enc("SCRIPT", "DEBUG", mode))
        got = [c.frame()]
        c.send(enc("EVAL", script, "0"))
        got.append(c.frame())
        c.close()
        d = Conn(port)
        deadline = time.time() + 10
        while True:
            d.send(enc("GET", "gone"))
            v = d.frame()
            if mode == "YES" or v != b"$-1\r\n" or time.time() > deadline:
                break
            time.sleep(0.05)
        got.append(v)
        d.close()
        out.append(got)
    assert out[0] == out[1]


def test_other_clients_served_during_forked_session(server):
    """A forked session leaves the server serving everybody else."""
    c = Conn(server.port)
    c.send(enc("SCRIPT", "DEBUG", "YES"))
    assert c.frame() == b"+OK\r\n"
    c.send(enc("EVAL", "redis.call('set','fk','child')\nreturn 1", "0"))
    assert b"Stopped at 1" in c.frame()
    d = Conn(server.port)
    d.send(enc("SET", "fk", "parent") + enc("GET", "fk"))
    assert d.frame() == b"+OK\r\n"
    assert d.frame() == b"$6\r\nparent\r\n"
    c.send(enc("c"))
    assert c.frame().endswith(b"+<endsession>\r\n")
    assert c.frame() == b":1\r\n"
    d.send(enc("GET", "fk"))
    assert d.frame() == b"$6\r\nparent\r\n"
    c.close()
    d.close()


@pytest.mark.parametrize("mode", ["YES", "SYNC"])
def test_timeout_stop(server, ref_server, r, ref, mode):
    """A script that runs past lua-time-limit without a stop is stopped as
    an infinite loop; abort ends it."""
    out = []
    for srv in (server, ref_server):
        c = srv.client()
        old = c.config_get("lua-time-limit")["lua-time-limit"]
        c.config_set("lua-time-limit", 200)
        try:
            out.append(run_session(srv.port, mode, "local i = 0\nwhile true do\n  i = i + 1\nend",
                                   commands=["c", "p i", "a"]))
        finally:
            c.config_set("lua-time-limit", old)
            c.close()
    # where the loop was when time ran out differs; the rest must not
    for frames in out:
        for i, f in enumerate(frames):
            if b"<value> " in f:
                frames[i] = b"<value>"
            elif b"stop reason = timeout reached, infinite loop?" in f:
                frames[i] = b"timeout stop"
    assert out[0] == out[1]
