"""Differential comparison: the same commands to streamd and to redis-server.

    diff(["SET k v", "GET k", ("APPEND", "k", b"\\x00"), Call("TTL k", cmp=approx(1))])

Each entry of a script is one command, given as
  - a string, split like a shell line ("SET k 'a b'"),
  - a tuple or list of arguments (bytes, str, int),
  - Call(cmd, norm=None, cmp=None, client=0, wait=True) for options,
  - Recv(client) to read the reply of an earlier Call(..., wait=False)
    (blocking commands: send on one client, act on another, then read).
Commands run one at a time, alternately on both servers, so multi-client
interleavings are the same on both sides.

Without norm/cmp the two replies must be identical byte for byte (types,
error texts, null kinds). norm(value) maps each parsed reply before a typed
comparison (sorted_reply for replies whose order is unspecified); cmp(a, b)
decides equality itself (approx(d) for TTLs). The harness returns the
streamd-side replies so a test can assert more on them.
"""

import os
import shlex

from .resp import Double, Push, RespError, RespSet, Status, Verbatim


class Call:
    def __init__(self, cmd, norm=None, cmp=None, client=0, wait=True):
        self.args = to_args(cmd)
        self.norm = norm
        self.cmp = cmp
        self.client = client
        self.wait = wait

    def __repr__(self):
        return "Call(%s)" % fmt_args(self.args)


class Recv:
    def __init__(self, client=0, norm=None, cmp=None):
        self.client = client
        self.norm = norm
        self.cmp = cmp
        self.args = None

    def __repr__(self):
        return "Recv(client=%d)" % self.client


def to_args(cmd):
    if isinstance(cmd, str):
        return shlex.split(cmd)
    if isinstance(cmd, bytes):
        return cmd.split()
    return list(cmd)


def fmt_args(args):
    out = []
    for a in args:
        if isinstance(a, bytes):
            try:
                a = a.decode()
            except UnicodeDecodeError:
                out.append(repr(a))
                continue
        a = str(a)
        out.append(a if a and all(c.isprintable() and c not in " '\"" for c in a) else repr(a))
    return " ".join(out)


def canon(v):
    """A typed, comparable form of a parsed reply."""
    if isinstance(v, RespError):
        return ("err", v.message)
    if isinstance(v, Status):
        return ("status", bytes(v))
    if isinstance(v, Verbatim):
        return ("verbatim", v.format, bytes(v))
    if isinstance(v, bytes):
        return ("bulk", v)
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, Double):
        return ("double", v.raw)
    if isinstance(v, float):
        return ("float", v)
    if v is None:
        return ("null",)
    if isinstance(v, RespSet):
        return ("set", tuple(canon(x) for x in v))
    if isinstance(v, Push):
        return ("push", tuple(canon(x) for x in v))
    if isinstance(v, (list, tuple)):
        return ("array", tuple(canon(x) for x in v))
    if isinstance(v, dict):
        return ("map", tuple((canon(k), canon(x)) for k, x in v.items()))
    return ("other", repr(v))


# -- normalizers (value -> value) and comparators ((a, b) -> bool) ----------


def as_flat(v):
    """A RESP3 map as the flat [key, value, ...] list RESP2 gives (other
    values as they are), so one normalizer serves both protocols."""
    if isinstance(v, dict):
        out = []
        for k, val in v.items():
            out += [k, val]
        return out
    return v


def without_lrm(v):
    """CONFIG SET maxmemory-policy's error as 7.0 words it: Redis 8.6 lists
    its two LRM policies among the values it takes."""
    if isinstance(v, RespError):
        return RespError(v.message.replace(b", volatile-lrm", b"").replace(b", allkeys-lrm", b""))
    return v


# A stream's state as XINFO STREAM FULL / XINFO GROUPS give it, compared
# between streamd and Redis 7.0 (DUMP/RESTORE, RDB files, replication): the
# fields 7.0 lacks or lays out otherwise are left out, and values that move
# with the clock are masked (mask: b"idle" by default).
STREAM_STATE_DROP = frozenset({
    b"active-time", b"inactive", b"nacked-count", b"radix-tree-keys", b"radix-tree-nodes",
    b"idmp-duration", b"idmp-maxsize", b"pids-tracked", b"iids-tracked", b"iids-added",
    b"iids-duplicates"})


def norm_stream_state(v, mask=frozenset({b"idle"})):
    """Pairs-lists and maps with STREAM_STATE_DROP keys removed and mask's
    values masked; error replies as ("error", text)."""
    if isinstance(v, dict):
        v = as_flat(v)
    if isinstance(v, list):
        keys = v[0::2]
        if v and len(v) % 2 == 0 and all(isinstance(k, bytes) for k in keys) and any(
                k in STREAM_STATE_DROP or k in mask or k in (b"length", b"name", b"seen-time")
                for k in keys):
            out = []
            for i in range(0, len(v), 2):
                k = v[i]
                if k in STREAM_STATE_DROP:
                    continue
                out += [k, "t" if k in mask else norm_stream_state(v[i + 1], mask)]
            return out
        return [norm_stream_state(x, mask) for x in v]
    if isinstance(v, RespError):
        return ("error", str(v))
    return v


def call_or_error(c, *args):
    """c.call(*args), with an error reply returned instead of raised."""
    try:
        return c.call(*args)
    except RespError as e:
        return e


def sorted_reply(v):
    """Sorts an array reply (KEYS, SMEMBERS): order is unspecified."""
    if isinstance(v, list):
        return sorted(v, key=lambda x: repr(canon(x)))
    return v


def scan_keys(v):
    """A SCAN reply reduced to its sorted keys (cursors differ legitimately)."""
    if isinstance(v, list) and len(v) == 2:
        return sorted(v[1])
    return v


def ignore(v):
    """Any reply of the same kind (error vs not) is fine."""
    return ("error",) if isinstance(v, RespError) else ("value",)


def error_code(v):
    """Only the error code (first word) must match, or the value itself."""
    if isinstance(v, RespError):
        return RespError(v.code)
    return v


def approx(delta):
    """Integers within delta of each other (TTL, PTTL, IDLETIME)."""

    def cmp(a, b):
        if isinstance(a, int) and isinstance(b, int):
            return abs(a - b) <= delta
        return canon(a) == canon(b)

    return cmp


def same_type():
    """Both replies have the same wire type (the values may differ)."""

    def cmp(a, b):
        return canon(a)[0] == canon(b)[0]

    return cmp


class DiffMismatch(AssertionError):
    pass


class Diff:
    """Runs scripts against two servers (streamd side first, reference second).

    conns_a/conns_b are factories returning RespConns to each server."""

    def __init__(self, connect_a, connect_b, name_a="streamd", name_b="redis"):
        self.connect_a = connect_a
        self.connect_b = connect_b
        self.name_a = name_a
        self.name_b = name_b
        self.conns = {}  # client index -> (conn_a, conn_b)
        self.mismatches = None

    def _pair(self, i, resp):
        if i not in self.conns:
            a, b = self.connect_a(), self.connect_b()
            if resp == 3:
                a.call("HELLO", "3")
                b.call("HELLO", "3")
            a._diff_id = a.call("CLIENT", "ID")
            b._diff_id = b.call("CLIENT", "ID")
            self.conns[i] = (a, b)
        return self.conns[i]

    def close(self):
        for a, b in self.conns.values():
            a.close()
            b.close()
        self.conns = {}
        for c in getattr(self, "ctl", ()):
            c.close()
        self.ctl = ()

    def _wait_started(self, client, args, synced, timeout=5.0):
        """Waits until both servers have started a command sent without
        waiting for its reply, so that the next step of the script cannot
        overtake it (two blocked readers must block in script order). The
        client's last command changes from "ping" to this one once it ran.
        Without a PING mark (replies still pending) it can only sleep."""
        import time
        if not synced:
            time.sleep(0.05)
            return
        if not getattr(self, "ctl", ()):
            self.ctl = (self.connect_a(), self.connect_b())
        name = str(args[0]).lower()
        conns = self.conns[client]
        for side in range(2):
            conn, ctl = conns[side], self.ctl[side]
            if not hasattr(conn, "_diff_id"):
                conn._diff_id = None
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                listing = ctl.call("CLIENT", "LIST")
                if isinstance(listing, bytes):
                    listing = listing.decode("utf-8", "replace")
                started = False
                for line in str(listing).splitlines():
                    fields = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
                    if fields.get("id") != str(conn._diff_id):
                        continue
                    cmd = fields.get("cmd", "").split("|")[0]
                    started = cmd == name
                if started:
                    break
                time.sleep(0.002)

    def run(self, script, resp=2, norm=None, fresh=True, keep_going=None):
        """Runs the script; returns the list of side-A replies.

        resp=3 switches every client of this run to RESP3 first. norm is a
        default normalizer for every call. fresh=False keeps the connections
        of the previous run (same client state: SELECT, MULTI, WATCH).
        keep_going (default: env STREAMD_DIFF_KEEP_GOING=1) reports every
        mismatch of the script at the end instead of stopping at the first."""
        if fresh:
            self.close()
        if keep_going is None:
            keep_going = os.environ.get("STREAMD_DIFF_KEEP_GOING") == "1"
        self.mismatches = [] if keep_going else None
        results = []
        pending = {}  # client -> list of Calls whose replies are unread
        history = []
        for n, entry in enumerate(script):
            if isinstance(entry, Recv):
                queue = pending.get(entry.client) or []
                if not queue:
                    raise AssertionError("Recv(client=%d) with nothing pending" % entry.client)
                call = queue.pop(0)
                a, b = self._pair(entry.client, resp)
                label = "reply of %s on client %d" % (fmt_args(call.args), entry.client)
                self._compare(n, label, a, b, entry.norm or call.norm or norm,
                              entry.cmp or call.cmp, history, results)
                continue
            call = entry if isinstance(entry, Call) else Call(entry)
            a, b = self._pair(call.client, resp)
            synced = False
            if not call.wait and not pending.get(call.client):
                # Both connections are idle: mark them with a PING so that the
                # server can be seen to have started the command (below).
                a.call("PING")
                b.call("PING")
                synced = True
            a.send_cmd(*call.args)
            b.send_cmd(*call.args)
            if not call.wait:
                self._wait_started(call.client, call.args, synced)
            label = fmt_args(call.args) + ("" if call.client == 0 else " (client %d)" % call.client)
            if not call.wait:
                pending.setdefault(call.client, []).append(call)
                history.append("%3d  %s  -> (pending)" % (n, label))
                continue
            self._compare(n, label, a, b, call.norm or norm, call.cmp, history, results)
        for c, q in pending.items():
            if q:
                raise AssertionError("unread replies on client %d: %s" % (c, q))
        if self.mismatches:
            raise DiffMismatch("%d mismatches:\n%s" % (len(self.mismatches),
                                                       "\n".join(self.mismatches)))
        return results

    __call__ = run

    def _compare(self, n, label, a, b, norm, cmp, history, results):
        va, ra = a.read_with_raw()
        vb, rb = b.read_with_raw()
        if cmp is not None:
            ok = cmp(norm(va) if norm else va, norm(vb) if norm else vb)
        elif norm is not None:
            ok = canon(norm(va)) == canon(norm(vb))
        else:
            ok = ra == rb
        if not ok and self.mismatches is not None:
            self.mismatches.append("reply %d differs for: %s\n  %s: %r\n  %s: %r" % (
                n, label, self.name_a, ra[:300], self.name_b, rb[:300]))
        elif not ok:
            shown = "\n".join(history[-15:])
            raise DiffMismatch(
                "reply %d differs for: %s\n  %s: %r\n  %s: %r\n  %s raw: %r\n  %s raw: %r\n"
                "preceding commands:\n%s"
                % (n, label, self.name_a, va, self.name_b, vb, self.name_a, ra[:500],
                   self.name_b, rb[:500], shown)
            )
        history.append("%3d  %s  -> %r" % (n, label, ra[:80]))
        results.append(va)
