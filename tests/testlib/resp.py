"""A raw-socket RESP2/RESP3 client for tests that need the wire itself.

redis-py 4.3.4 speaks only RESP2 and interprets replies per command, so tests
of RESP3 (HELLO 3), inline commands, protocol errors, connection state after
an error, and byte-exact differential comparisons use this instead.

Replies are parsed into plain Python values, with small wrapper types where
the wire type matters:

    +OK            Status(b"OK")      (a bytes subclass: Status(b"OK") == b"OK")
    -ERR x         RespError(b"ERR x") (returned, not raised; .message is bytes)
    :5  (5         int
    $3 abc         b"abc"
    $-1 *-1 _      None               (the raw bytes keep which one it was)
    *n             list
    %n             dict (unhashable keys become tuples)
    ~n             RespSet (a list subclass, wire order kept)
    >n             Push (a list subclass)
    ,1.5           Double (a float subclass; .raw keeps the wire text)
    #t #f          bool
    =n txt:...     Verbatim (a bytes subclass without the format; .format)
    |n attributes  skipped; attached to nothing (tests read them with read_raw)

read_with_raw() also returns the exact bytes of the reply, which is what the
differential harness compares when no normalizer is given.
"""

import socket
import time


class Status(bytes):
    def __repr__(self):
        return "Status(%s)" % bytes.__repr__(self)


class Verbatim(bytes):
    format = b"txt"

    def __repr__(self):
        return "Verbatim(%s, %s)" % (self.format, bytes.__repr__(self))


class Double(float):
    raw = b""

    def __repr__(self):
        return "Double(%s)" % self.raw.decode()


class RespSet(list):
    def __repr__(self):
        return "RespSet(%s)" % list.__repr__(self)


class Push(list):
    def __repr__(self):
        return "Push(%s)" % list.__repr__(self)


class RespError(Exception):
    """An error reply. Equal to another RespError with the same message."""

    def __init__(self, message):
        if isinstance(message, str):
            message = message.encode()
        super().__init__(message)
        self.message = message

    def __eq__(self, other):
        return isinstance(other, RespError) and other.message == self.message

    def __hash__(self):
        return hash(self.message)

    def __repr__(self):
        return "RespError(%r)" % self.message

    def __str__(self):
        return self.message.decode("utf-8", "replace")

    @property
    def code(self):
        return self.message.split(b" ", 1)[0]


class ConnectionClosed(Exception):
    pass


def encode_command(*args):
    """Encodes args (bytes, str, int, float) as a RESP multibulk command."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, bytes):
            b = a
        elif isinstance(a, str):
            b = a.encode()
        elif isinstance(a, (int, float)):
            b = repr(a).encode()
        else:
            raise TypeError("bad argument type %r" % type(a))
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def _hashable(x):
    if isinstance(x, list):
        return tuple(_hashable(y) for y in x)
    if isinstance(x, dict):
        return tuple((k, _hashable(v)) for k, v in x.items())
    return x


class RespConn:
    """One TCP (or Unix socket) connection speaking raw RESP.

    Every read has a timeout (default 10 s) so a server that never answers
    fails the test instead of hanging it.
    """

    def __init__(self, host="127.0.0.1", port=None, timeout=10.0, unix_path=None):
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix_path)
        else:
            self.sock = socket.create_connection((host, port), timeout=timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = bytearray()
        self.pos = 0
        self.eof = False

    # -- sending --------------------------------------------------------

    def send(self, data):
        """Sends raw bytes as they are."""
        self.sock.sendall(data)

    def send_cmd(self, *args):
        self.sock.sendall(encode_command(*args))

    def send_many(self, cmds):
        self.sock.sendall(b"".join(encode_command(*c) for c in cmds))

    # -- receiving ------------------------------------------------------

    def _fill(self):
        try:
            chunk = self.sock.recv(1 << 20)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            raise ConnectionClosed("connection closed by the server")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos : i])
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos : self.pos + n])
        if self.buf[self.pos + n : self.pos + n + 2] != b"\r\n":
            raise ValueError("bulk not terminated by CRLF: %r" % bytes(self.buf[self.pos :][:80]))
        self.pos += n + 2
        return data

    def _parse(self):
        line = self._line()
        if not line:
            raise ValueError("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return Status(rest)
        if t == b"-":
            return RespError(rest)
        if t == b":":
            return int(rest)
        if t == b"(":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"_":
            return None
        if t == b"#":
            if rest not in (b"t", b"f"):
                raise ValueError("bad boolean %r" % line)
            return rest == b"t"
        if t == b",":
            d = Double(float(rest))
            d.raw = rest
            return d
        if t == b"=":
            data = self._exact(int(rest))
            v = Verbatim(data[4:])
            v.format = data[:3]
            return v
        if t == b"!":
            return RespError(self._exact(int(rest)))
        if t in (b"*", b">", b"~"):
            n = int(rest)
            if n < 0:
                return None
            items = [self._parse() for _ in range(n)]
            if t == b">":
                return Push(items)
            if t == b"~":
                return RespSet(items)
            return items
        if t == b"%":
            n = int(rest)
            d = {}
            for _ in range(n):
                k = self._parse()
                d[_hashable(k)] = self._parse()
            return d
        if t == b"|":
            n = int(rest)
            for _ in range(2 * n):
                self._parse()
            return self._parse()
        raise ValueError("unknown reply type in %r" % line)

    def read_with_raw(self):
        """Reads one reply; returns (value, exact bytes of the reply)."""
        if self.pos > 65536:
            del self.buf[: self.pos]
            self.pos = 0
        start = self.pos
        try:
            v = self._parse()
        except BaseException:
            self.pos = start
            raise
        return v, bytes(self.buf[start : self.pos])

    def read(self):
        """Reads one reply (errors are returned as RespError, not raised)."""
        return self.read_with_raw()[0]

    def call(self, *args):
        self.send_cmd(*args)
        return self.read()

    def call_raw(self, *args):
        """Sends a command and returns the exact bytes of its reply."""
        self.send_cmd(*args)
        return self.read_with_raw()[1]

    def pipeline(self, cmds):
        """Sends every command in one write, then reads one reply each."""
        self.send_many(cmds)
        return [self.read() for _ in cmds]

    def read_available(self, wait=0.05, first_wait=None):
        """Returns the bytes that arrive until `wait` seconds pass without any
        (raw, unparsed); the first byte may take up to first_wait (default
        wait) seconds. Stops early when the server closes the connection."""
        self.sock.settimeout(first_wait if first_wait is not None else wait)
        try:
            while True:
                try:
                    chunk = self.sock.recv(1 << 20)
                    self.sock.settimeout(wait)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    self.eof = True
                    break
                self.buf += chunk
        finally:
            self.sock.settimeout(self.timeout)
        data = bytes(self.buf[self.pos :])
        self.pos = len(self.buf)
        return data

    def closed_by_peer(self, timeout=2.0):
        """True if the server closes the connection within `timeout` seconds.

        Unread reply bytes are an error: read the replies you expect first.
        """
        if self.eof:
            return True
        if self.pos < len(self.buf):
            raise AssertionError("unread bytes before close: %r" % bytes(self.buf[self.pos :])[:200])
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except ConnectionResetError:
                chunk = b""
            finally:
                self.sock.settimeout(self.timeout)
            if not chunk:
                self.eof = True
                return True
            raise AssertionError("unexpected bytes while waiting for close: %r" % chunk[:200])

    def is_open(self):
        """True if the connection still answers PING with PONG."""
        try:
            return self.call("PING") == b"PONG"
        except (ConnectionClosed, OSError):
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def parse_info(text):
    """INFO text (bytes or str) -> {field: value} as str, for every section;
    "# Section" lines are skipped. Values stay strings (a=1,b=2 included)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        k, v = line.split(":", 1)
        out[k] = v
    return out


def parse_kv(value):
    """'count=2,x=y' -> {'count': '2', 'x': 'y'} (INFO errorstats, keyspace)."""
    return dict(p.split("=", 1) for p in value.split(",") if "=" in p)
