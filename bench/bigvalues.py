#!/usr/bin/python3
"""What big arguments cost to receive: XADD and SET with 10 KB - 1 MB values.

compare.py's workloads send small values; this script measures the other end:
one connection sends N commands, each carrying one big value, and waits for
each reply (so every value arrives on its own in many reads); --pipeline P
sends P at a time, --reconnect opens a new connection for each send (every
value then lands in a fresh query buffer).
For every server it reports server CPU time per command (the sum of its
threads' schedstat, as the harness reads it), which a shared machine disturbs
far less than throughput.

    xadd-SIZE   XADD bigvalues:s * payload <SIZE bytes>   (the stream grows)
    xtrim-SIZE  XADD bigvalues:t MAXLEN 8 * payload <SIZE bytes>  (memory recycled)
    set-SIZE    SET bigvalues:k <SIZE bytes>              (one key, overwritten)

Every server named with --server (NAME=TEMPLATE; the default reference is
Debian's redis-server) is started fresh per round; the workloads then run in
chunks that alternate between the servers (A B C, C B A, ...). The figure per
server and workload is the median over rounds. After each workload the
last value is read back and compared byte for byte.

Usage (from the project root):
    /usr/bin/python3 bench/bigvalues.py \\
        --server 'new=./build/streamd --port {port} --dir {dir}' \\
        --server 'base=/tmp/streamd-base --port {port} --dir {dir}' [--rounds 3]
        [--pipeline 8] [--reconnect] [--sizes 10,100,1024] [--no-redis]
"""

import argparse
import os
import socket
import statistics
import sys
import tempfile

import harness  # noqa: E402,F401  (puts ../shared/bench on sys.path)

from streambench.servers import Server  # noqa: E402

REDIS = "redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no"
# (size, commands per chunk): about 25-50 MB per chunk.
SIZES = [(10 * 1024, 2500), (100 * 1024, 400), (1024 * 1024, 50)]
CHUNKS = 4


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n" % len(a))
        out.append(a)
        out.append(b"\r\n")
    return b"".join(out)


class Conn:
    """A bare RESP connection: sends prebuilt requests, reads one reply."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        parts = [self.buf]
        have = len(self.buf)
        while have < n:
            chunk = self.sock.recv(max(1 << 16, n - have))
            if not chunk:
                raise ConnectionError("server closed the connection")
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        self.buf = data[n:]
        return data[:n]

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"-":
            raise RuntimeError(rest.decode(errors="replace"))
        if kind in (b"+", b":"):
            return rest
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n + 2)
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError(f"unexpected reply {line!r}")

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self.reply()


def value_of(size, k):
    # Distinct per command so nothing could be deduplicated; cheap to build.
    head = b"%08d" % k
    return head + b"v" * (size - len(head))


def run_chunk(server, conn, op, size, n, start, depth, reconnect):
    requests = []
    for k in range(start, start + n):
        if op == "xadd":
            requests.append(encode("XADD", "bigvalues:s", "*", "payload", value_of(size, k)))
        elif op == "xtrim":
            requests.append(encode("XADD", "bigvalues:t", "MAXLEN", "8", "*", "payload",
                                   value_of(size, k)))
        else:
            requests.append(encode("SET", "bigvalues:k", value_of(size, k)))
    cpu0 = server.cpu_seconds()
    for i in range(0, n, depth):
        if reconnect:
            conn.close()
            conn.__init__(server.port)
        conn.sock.sendall(b"".join(requests[i:i + depth]))
        for _ in requests[i:i + depth]:
            conn.reply()
    return (server.cpu_seconds() - cpu0) / n


def check(conn, op, size, last):
    """The last value sent must read back byte-exactly."""
    want = value_of(size, last)
    if op == "set":
        got = conn.call("GET", "bigvalues:k")
    else:
        key = "bigvalues:s" if op == "xadd" else "bigvalues:t"
        entry = conn.call("XREVRANGE", key, "+", "-", "COUNT", "1")
        got = entry[0][1][1] if entry[0][1][0] == b"payload" else None
        if op == "xtrim" and int(conn.call("XLEN", key)) != 8:
            sys.exit("MAXLEN 8 left a stream of another length")
    if got != want:
        sys.exit(f"{op} with {size}-byte values: the last value reads back wrong")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", action="append", required=True, metavar="NAME=TEMPLATE")
    ap.add_argument("--no-redis", action="store_true", help="leave out redis-server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", help="comma-separated sizes in KB (default 10,100,1024)")
    ap.add_argument("--ops", default="xadd,xtrim,set", help="workloads (default xadd,xtrim,set)")
    ap.add_argument("--pipeline", type=int, default=1,
                    help="commands sent before the replies are read (default 1)")
    ap.add_argument("--reconnect", action="store_true",
                    help="a new connection for every command (or pipeline), so every value "
                         "arrives on a fresh query buffer")
    ap.add_argument("--pin", default="1:0", help="CPUs for servers:client, or 'off'")
    args = ap.parse_args()
    templates = [s.split("=", 1) for s in args.server]
    if not args.no_redis:
        templates.append(("redis", REDIS))
    sizes = SIZES
    if args.sizes:
        sizes = [(int(kb) * 1024, max(20, int(25 * 1024 / int(kb))))
                 for kb in args.sizes.split(",")]
    if args.pin != "off":
        srv, cli = args.pin.split(":")
        Server.cpus = {int(srv)}
        os.sched_setaffinity(0, {int(cli)})
    names = [n for n, _ in templates]
    ops = args.ops.split(",")
    workloads = [(op, size, n) for size, n in sizes for op in ops]
    cpu = {(name, op, size): [] for name in names for op, size, _ in workloads}
    with tempfile.TemporaryDirectory(prefix="streamd-bigvalues-") as workdir:
        for rnd in range(args.rounds):
            for op, size, n in workloads:
                servers = {name: Server(t, workdir, name) for name, t in templates}
                try:
                    conns = {}
                    for name, s in servers.items():
                        s.start()
                        conns[name] = Conn(s.port)
                    per = {name: [] for name in names}
                    for chunk in range(CHUNKS):
                        order = names if (chunk + rnd) % 2 == 0 else names[::-1]
                        for name in order:
                            per[name].append(run_chunk(servers[name], conns[name], op, size, n,
                                                       chunk * n, args.pipeline,
                                                       args.reconnect))
                    for name in names:
                        check(conns[name], op, size, CHUNKS * n - 1)
                        cpu[(name, op, size)].append(statistics.median(per[name]))
                        conns[name].close()
                finally:
                    for s in servers.values():
                        s.close()
            print(f"round {rnd + 1} done", flush=True)
    print()
    head = f"{'workload':<12}" + "".join(f"{n + ' us/op':>14}" for n in names)
    if len(names) > 1:
        head += "".join(f"{n + '/' + names[-1]:>14}" for n in names[:-1])
    print(head)
    for op, size, _ in workloads:
        label = f"{op}-{size // 1024}k"
        med = [statistics.median(cpu[(name, op, size)]) for name in names]
        row = f"{label:<12}" + "".join(f"{m * 1e6:>14.1f}" for m in med)
        if len(names) > 1:
            row += "".join(f"{m / med[-1]:>14.3f}" for m in med[:-1])
        print(row)


if __name__ == "__main__":
    main()
