"""Client eviction (maxmemory-clients): a client whose buffers take the
clients' memory to the limit is disconnected, biggest first, as Redis 7.0
does it. Runs against Redis too (STREAMD_TARGET=redis): every assertion is
about what both servers do.

What makes clients big here: a command whose big argument has only partly
arrived (its query buffer), replies a client does not read (its output
buffer, a small receive buffer keeping the kernel from taking them), a
subscriber that does not read, a long MULTI queue, many watched keys. The
control connection of each test is CLIENT NO-EVICT ON, so that only the
clients under test can go.
"""

import socket

import pytest

from testlib import SLOW, encode_command, parse_info, wait_for


def clients(ctl):
    """name -> CLIENT LIST fields, for the named clients."""
    out = {}
    for line in bytes(ctl.call("CLIENT", "LIST")).decode().splitlines():
        f = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
        if f.get("name"):
            out[f["name"]] = f
    return out


def evicted(ctl):
    return int(parse_info(bytes(ctl.call("INFO", "stats")))["evicted_clients"])


class Sock:
    """A raw connection that sends what it is told and reads only when told."""

    def __init__(self, server, name, rcvbuf=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(10 * SLOW)
        self.s.connect((server.host, server.port))
        self.name = name
        self.call("CLIENT", "SETNAME", name)

    def send(self, *args):
        self.send_bytes(encode_command(*args))

    def send_bytes(self, data):
        """Sends data; the server may close the connection meanwhile (what
        this test is about), which closed() and CLIENT LIST then show."""
        try:
            self.s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def call(self, *args):
        self.send(*args)
        got = self.s.recv(4096)
        assert got.startswith((b"+", b":", b"*", b"$", b">")), got
        return got

    def partial(self, n):
        """A one-argument command with n bytes of its argument sent."""
        self.send_bytes(b"*1\r\n$%d\r\n" % (n + 10) + b"v" * n)

    def closed(self):
        """Whether the server has closed the connection (what was sent to
        it before is read and dropped)."""
        self.s.settimeout(5 * SLOW)
        try:
            while True:
                got = self.s.recv(1 << 20)
                if not got:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


@pytest.fixture
def ctl(raw):
    c = raw()
    c.call("CLIENT", "NO-EVICT", "ON")
    c.call("CLIENT", "SETNAME", "ctl")
    yield c
    c.call("CONFIG", "SET", "maxmemory-clients", "0")
    c.call("CONFIG", "SET", "maxmemory", "0")


def gone(ctl, name):
    return lambda: name not in clients(ctl)


def test_partial_query_over_limit_is_evicted(server, ctl):
    before = evicted(ctl)
    ctl.call("CONFIG", "SET", "maxmemory-clients", "1mb")
    small, big = Sock(server, "small"), Sock(server, "big")
    small.partial(200_000)
    wait_for(lambda: int(clients(ctl)["small"]["tot-mem"]) >= 200_000, "small filled")
    big.partial(1_500_000)
    wait_for(gone(ctl, "big"), "the big client evicted")
    assert big.closed()
    assert "small" in clients(ctl)  # under the limit without the big one
    assert evicted(ctl) == before + 1
    log = server.log()
    assert "Evicting client: id=" in log and "name=big " in log
    small.close()


def test_under_limit_nothing_is_evicted(server, ctl):
    before = evicted(ctl)
    ctl.call("CONFIG", "SET", "maxmemory-clients", "2mb")
    a, b = Sock(server, "a"), Sock(server, "b")
    a.partial(600_000)
    b.partial(600_000)
    wait_for(lambda: all(int(clients(ctl)[n]["tot-mem"]) >= 600_000 for n in "ab"), "filled")
    ctl.call("PING")
    assert {"a", "b"} <= set(clients(ctl))
    assert evicted(ctl) == before
    a.close()
    b.close()


def test_no_evict_client_stays_and_others_go(server, ctl):
    """A NO-EVICT client is never evicted, but its memory counts: while it
    alone holds the clients over the limit, every client that may be
    evicted is."""
    before = evicted(ctl)
    ctl.call("CONFIG", "SET", "maxmemory-clients", "1mb")
    idle = Sock(server, "idle")
    hog = Sock(server, "hog")
    hog.call("CLIENT", "NO-EVICT", "ON")
    hog.partial(1_500_000)
    wait_for(lambda: int(clients(ctl)["hog"]["tot-mem"]) >= 1_500_000, "hog filled")
    wait_for(gone(ctl, "idle"), "the idle client evicted")
    assert idle.closed()
    assert "hog" in clients(ctl)
    assert evicted(ctl) >= before + 1  # (and any other connection left)
    hog.close()
    wait_for(gone(ctl, "hog"), "hog closed")


def test_no_evict_off_takes_effect(server, ctl):
    """A NO-EVICT client with a big output buffer is evicted once it turns
    NO-EVICT off, with no more memory than it had."""
    ctl.call("SET", "k", "x" * 1_000_000)
    ctl.call("CONFIG", "SET", "maxmemory-clients", "3mb")
    c = Sock(server, "reader", rcvbuf=4096)
    c.call("CLIENT", "NO-EVICT", "ON")
    for _ in range(60):
        c.send("GET", "k")
        if int(clients(ctl)["reader"]["tot-mem"]) > 4_000_000:
            break
    assert int(clients(ctl)["reader"]["tot-mem"]) > 4_000_000
    ctl.call("PING")
    assert "reader" in clients(ctl)
    c.send("CLIENT", "NO-EVICT", "OFF")
    wait_for(gone(ctl, "reader"), "evicted after NO-EVICT OFF")
    c.close()


def test_subscriber_that_does_not_read_is_evicted(server, ctl):
    before = evicted(ctl)
    ctl.call("CONFIG", "SET", "maxmemory-clients", "1mb")
    sub = Sock(server, "sub", rcvbuf=4096)
    sub.call("SUBSCRIBE", "ch")
    msg = "m" * 100_000
    for _ in range(300):
        ctl.call("PUBLISH", "ch", msg)
        if "sub" not in clients(ctl):
            break
    assert "sub" not in clients(ctl)
    assert sub.closed()
    assert evicted(ctl) == before + 1
    assert ctl.call("PING") == b"PONG"


def test_biggest_first(server, ctl):
    """Lowering the limit evicts the biggest clients, only as many as it
    takes to get under it. (The sizes differ by more than twice: Redis
    ranks clients by powers of two of their memory.)"""
    sizes = {"s": 150_000, "m": 600_000, "l": 2_400_000}
    socks = {n: Sock(server, n) for n in sizes}
    for n, size in sizes.items():
        socks[n].partial(size)
    wait_for(lambda: all(int(clients(ctl)[n]["tot-mem"]) >= size for n, size in sizes.items()),
             "filled")
    cl = clients(ctl)
    total = sum(int(f["tot-mem"]) for f in cl.values())
    mem = {n: int(cl[n]["tot-mem"]) for n in sizes}
    before = evicted(ctl)
    ctl.call("CONFIG", "SET", "maxmemory-clients", str(total - mem["l"] + 100_000))
    wait_for(gone(ctl, "l"), "the largest evicted")
    assert {"s", "m"} <= set(clients(ctl))
    ctl.call("CONFIG", "SET", "maxmemory-clients", str(total - mem["l"] - mem["m"] + 100_000))
    wait_for(gone(ctl, "m"), "the middle one evicted")
    assert "s" in clients(ctl)
    assert evicted(ctl) == before + 2
    for s in socks.values():
        s.close()


def test_percentage_of_maxmemory(server, ctl):
    """N% is of maxmemory, and no limit while maxmemory is 0; setting
    maxmemory applies it."""
    ctl.call("CONFIG", "SET", "maxmemory-clients", "5%")
    c = Sock(server, "pct")
    c.partial(1_500_000)
    wait_for(lambda: int(clients(ctl)["pct"]["tot-mem"]) >= 1_500_000, "filled")
    ctl.call("PING")
    assert "pct" in clients(ctl)
    ctl.call("CONFIG", "SET", "maxmemory", "20mb")  # 5% is 1 MB
    wait_for(gone(ctl, "pct"), "evicted at 5% of 20 MB")
    c.close()
    c = Sock(server, "pct2")
    c.partial(400_000)  # under 5% of 20 MB
    wait_for(lambda: int(clients(ctl)["pct2"]["tot-mem"]) >= 400_000, "filled")
    ctl.call("PING")
    assert "pct2" in clients(ctl)
    c.close()


def test_multi_queue_counts(server, ctl):
    ctl.call("CONFIG", "SET", "maxmemory-clients", "1mb")
    c = Sock(server, "multi")
    c.call("MULTI")
    value = "v" * 100_000
    for _ in range(30):
        c.send("SET", "k", value)
        if "multi" not in clients(ctl):
            break
    assert "multi" not in clients(ctl)
    c.close()


def test_watched_keys_count(server, ctl):
    ctl.call("CONFIG", "SET", "maxmemory-clients", "128kb")
    c = Sock(server, "watcher")
    for i in range(1000):
        c.send("WATCH", *("key:%d:%d" % (i, j) for j in range(100)))
        if i % 10 == 9 and "watcher" not in clients(ctl):
            break
    assert "watcher" not in clients(ctl)
    c.close()


def test_config_resetstat_clears_the_count(server, ctl):
    ctl.call("CONFIG", "SET", "maxmemory-clients", "1mb")
    c = Sock(server, "victim")
    c.partial(1_500_000)
    wait_for(gone(ctl, "victim"), "evicted")
    assert evicted(ctl) >= 1
    ctl.call("CONFIG", "RESETSTAT")
    assert evicted(ctl) == 0
    c.close()


def test_disabled_by_zero(server, ctl):
    ctl.call("CONFIG", "SET", "maxmemory-clients", "0")
    before = evicted(ctl)
    c = Sock(server, "free")
    c.partial(3_000_000)
    wait_for(lambda: int(clients(ctl)["free"]["tot-mem"]) >= 3_000_000, "filled")
    ctl.call("PING")
    assert "free" in clients(ctl)
    assert evicted(ctl) == before
    c.close()


def test_blocked_client_is_evicted_safely(server, ctl):
    """A blocked client whose input piles up while it waits is evicted like
    any other; serving the key it waited on afterwards is safe, and the
    other client blocked on it gets the element."""
    waiter = Sock(server, "waiter")
    victim = Sock(server, "victim2")
    waiter.send("BLPOP", "list", "0")
    victim.send("BLPOP", "list", "0")
    wait_for(lambda: parse_info(bytes(ctl.call("INFO", "clients")))["blocked_clients"] == "2",
             "both blocked")
    victim.partial(1_500_000)  # waits in its query buffer while it is blocked
    wait_for(lambda: int(clients(ctl)["victim2"]["tot-mem"]) >= 1_000_000, "victim filled")
    ctl.call("CONFIG", "SET", "maxmemory-clients", "1mb")
    wait_for(gone(ctl, "victim2"), "the blocked client evicted")
    assert ctl.call("LPUSH", "list", "x") == 1
    got = b""
    while not got.endswith(b"x\r\n"):
        chunk = waiter.s.recv(4096)
        assert chunk
        got += chunk
    assert got == b"*2\r\n$4\r\nlist\r\n$1\r\nx\r\n"
    assert ctl.call("LLEN", "list") == 0
    waiter.close()
    victim.close()


def test_blocked_command_counts_and_unblocking_is_safe(server, ctl):
    """A client blocked in a command with a 300 KB stream name holds that
    much; lowering the limit in a transaction that also serves the client
    evicts it after the transaction, safely."""
    rd = Sock(server, "xreader")
    rd.send("XREAD", "BLOCK", "0", "STREAMS", "mystream", "s" * 300_000, "$", "$")
    wait_for(lambda: parse_info(bytes(ctl.call("INFO", "clients")))["blocked_clients"] == "1",
             "blocked")
    assert int(clients(ctl)["xreader"]["tot-mem"]) >= 300_000
    ctl.call("MULTI")
    ctl.call("CONFIG", "SET", "maxmemory-clients", "200kb")
    ctl.call("XADD", "mystream", "*", "f", "v")
    assert len(ctl.call("EXEC")) == 2
    assert ctl.call("PING") == b"PONG"
    wait_for(gone(ctl, "xreader"), "the reader evicted")
    rd.close()
