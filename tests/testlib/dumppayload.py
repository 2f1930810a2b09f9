"""A small, independent reader of DUMP payloads (Redis's RDB value format) for
the tests: CRC-64, lengths, strings (integer and LZF encodings), listpacks and
the stream layouts of types 15, 19, 21, 26 (Redis 8.6: + idempotent
producers) and 27 (Redis 8.8: + each group's NACK zone). It decodes what streamd's DUMP
writes into plain Python values, so tests can check the bytes mean what the
key holds, and it rewrites a type 21 payload as type 19 / RDB 10 (dropping
the consumers' active times) so redis-server 7.0 can restore it.

Written from the published format descriptions, separately from the C codec
it checks.
"""

import struct

_POLY = 0x95AC9329AC4BC9B5  # Jones polynomial, reflected
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc64(data, crc=0):
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def seal(body, version):
    """body + version + CRC: a complete payload."""
    body = bytes(body) + struct.pack("<H", version)
    return body + struct.pack("<Q", crc64(body))


def reseal(payload, version=None, type_byte=None):
    """The payload with its footer recomputed (a new version, a new type)."""
    body = bytearray(payload[:-10])
    if type_byte is not None:
        body[0] = type_byte
    if version is None:
        version = struct.unpack("<H", payload[-10:-8])[0]
    return seal(body, version)


class BadPayload(Exception):
    pass


def lzf_decompress(data, out_len):
    out = bytearray()
    i = 0
    while i < len(data):
        ctrl = data[i]
        i += 1
        if ctrl < 32:
            out += data[i:i + ctrl + 1]
            i += ctrl + 1
        else:
            n = ctrl >> 5
            if n == 7:
                n += data[i]
                i += 1
            ref = len(out) - ((ctrl & 0x1F) << 8) - data[i] - 1
            i += 1
            if ref < 0:
                raise BadPayload("lzf reference before start")
            for _ in range(n + 2):
                out.append(out[ref])
                ref += 1
    if len(out) != out_len:
        raise BadPayload("lzf length")
    return bytes(out)


class Reader:
    def __init__(self, data):
        self.d = data
        self.i = 0

    def raw(self, n):
        if self.i + n > len(self.d):
            raise BadPayload("truncated")
        b = self.d[self.i:self.i + n]
        self.i += n
        return b

    def u8(self):
        return self.raw(1)[0]

    def length(self, allow_enc=False):
        b = self.u8()
        t = b >> 6
        if t == 0:
            return b & 0x3F
        if t == 1:
            return ((b & 0x3F) << 8) | self.u8()
        if b == 0x80:
            return struct.unpack(">I", self.raw(4))[0]
        if b == 0x81:
            return struct.unpack(">Q", self.raw(8))[0]
        if t == 3 and allow_enc:
            return ("enc", b & 0x3F)
        raise BadPayload("bad length byte %#x" % b)

    def string(self):
        n = self.length(allow_enc=True)
        if isinstance(n, tuple):
            enc = n[1]
            if enc == 0:
                return str(struct.unpack("<b", self.raw(1))[0]).encode()
            if enc == 1:
                return str(struct.unpack("<h", self.raw(2))[0]).encode()
            if enc == 2:
                return str(struct.unpack("<i", self.raw(4))[0]).encode()
            if enc == 3:
                clen = self.length()
                plain = self.length()
                return lzf_decompress(self.raw(clen), plain)
            raise BadPayload("string encoding")
        return self.raw(n)

    def ms(self):
        return struct.unpack("<q", self.raw(8))[0]

    def raw_id(self):
        ms, seq = struct.unpack(">QQ", self.raw(16))
        return (ms, seq)


def listpack(lp):
    """The elements of a listpack: ints and bytes."""
    total, n = struct.unpack("<IH", lp[:6])
    if total != len(lp) or lp[-1] != 0xFF:
        raise BadPayload("listpack header")
    out = []
    i = 6
    while lp[i] != 0xFF:
        start = i
        b = lp[i]
        if b & 0x80 == 0:
            out.append(b & 0x7F)
            i += 1
        elif b & 0xC0 == 0x80:
            ln = b & 0x3F
            out.append(bytes(lp[i + 1:i + 1 + ln]))
            i += 1 + ln
        elif b & 0xE0 == 0xC0:
            v = ((b & 0x1F) << 8) | lp[i + 1]
            out.append(v - (1 << 13) if v >= 1 << 12 else v)
            i += 2
        elif b & 0xF0 == 0xE0:
            ln = ((b & 0x0F) << 8) | lp[i + 1]
            out.append(bytes(lp[i + 2:i + 2 + ln]))
            i += 2 + ln
        elif b == 0xF0:
            ln = struct.unpack("<I", lp[i + 1:i + 5])[0]
            out.append(bytes(lp[i + 5:i + 5 + ln]))
            i += 5 + ln
        elif b in (0xF1, 0xF2, 0xF3, 0xF4):
            k = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}[b]
            out.append(int.from_bytes(lp[i + 1:i + 1 + k], "little", signed=True))
            i += 1 + k
        else:
            raise BadPayload("listpack encoding %#x" % b)
        size = i - start
        # backlen: 7 bits a byte, most significant group first
        bl = 1 if size <= 127 else 2 if size < 16383 else 3 if size < 2097151 else 4
        back = 0
        for k in range(bl):
            back = (back << 7) | (lp[i + k] & 0x7F)
        if back != size:
            raise BadPayload("listpack backlen")
        i += bl
    if n != 65535 and n != len(out):
        raise BadPayload("listpack count")
    return out


def _s(v):
    return v if isinstance(v, bytes) else str(v).encode()


def decode(payload):
    """A payload as a dict: {"type", "version", "value"}; a stream's value is
    {"entries": [(id, [(f, v)...])...], "deleted": [...], "length", "last_id",
    "first_id", "max_deleted_id", "entries_added", "groups": [...]}."""
    if crc64(payload[:-8]) != struct.unpack("<Q", payload[-8:])[0]:
        raise BadPayload("crc")
    version = struct.unpack("<H", payload[-10:-8])[0]
    r = Reader(payload[:-10])
    t = r.u8()
    out = {"type": t, "version": version}
    if t == 0:
        out["value"] = r.string()
    elif t in (15, 19, 21, 26, 27):
        out["value"], out["active_time_spans"] = _stream(r, t)
    else:
        raise BadPayload("type %d" % t)
    if r.i != len(r.d):
        raise BadPayload("trailing bytes")
    return out


def _stream(r, t):
    entries, deleted = [], []
    for _ in range(r.length()):
        key = r.string()
        if len(key) != 16:
            raise BadPayload("master id")
        mms, mseq = struct.unpack(">QQ", key)
        el = listpack(r.string())
        count, ndel, nmf = el[0], el[1], el[2]
        mfields = [_s(x) for x in el[3:3 + nmf]]
        i = 3 + nmf
        assert el[i] == 0
        i += 1
        seen = 0
        while i < len(el):
            flags, dms, dseq = el[i], el[i + 1], el[i + 2]
            i += 3
            eid = ((mms + dms) % (1 << 64), (mseq + dseq) % (1 << 64))
            if flags & 2:
                fv = [(mfields[k], _s(el[i + k])) for k in range(nmf)]
                i += nmf
                want = nmf + 3
            else:
                nf = el[i]
                i += 1
                fv = [(_s(el[i + 2 * k]), _s(el[i + 2 * k + 1])) for k in range(nf)]
                i += 2 * nf
                want = 2 * nf + 4
            if el[i] != want:
                raise BadPayload("lp-count")
            i += 1
            (deleted if flags & 1 else entries).append((eid, fv))
            seen += 1
        if seen != count + ndel:
            raise BadPayload("node counts")
    s = {"entries": entries, "deleted": deleted, "length": r.length(),
         "last_id": (r.length(), r.length())}
    if t >= 19:
        s["first_id"] = (r.length(), r.length())
        s["max_deleted_id"] = (r.length(), r.length())
        s["entries_added"] = r.length()
    spans = []
    groups = []
    for _ in range(r.length()):
        g = {"name": r.string(), "last_id": (r.length(), r.length())}
        if t >= 19:
            er = r.length()
            g["entries_read"] = -1 if er == (1 << 64) - 1 else er
        g["pel"] = []
        for _ in range(r.length()):
            g["pel"].append((r.raw_id(), r.ms(), r.length()))
        g["consumers"] = []
        for _ in range(r.length()):
            c = {"name": r.string(), "seen": r.ms()}
            if t >= 21:
                spans.append(r.i)
                c["active"] = r.ms()
            c["pel"] = [r.raw_id() for _ in range(r.length())]
            g["consumers"].append(c)
        if t >= 27:
            g["nacked"] = [r.raw_id() for _ in range(r.length())]
        groups.append(g)
    s["groups"] = groups
    if t >= 26:
        m = {"duration": r.length(), "maxsize": r.length(), "producers": []}
        for _ in range(r.length()):
            pid = r.string()
            iids = []
            for _ in range(r.length()):
                iid = r.string()
                iids.append((iid, (r.length(), r.length())))
            m["producers"].append((pid, iids))
        m["added"] = r.length()
        m["duplicates"] = r.length()
        s["idmp"] = m
    return s, spans


def as_type19_v10(payload):
    """A type 21 payload rewritten for Redis 7.0: type 19, the consumers'
    active times dropped, RDB version 10."""
    d = decode(payload)
    assert d["type"] == 21
    body = bytearray(payload[:-10])
    for off in reversed(d["active_time_spans"]):
        del body[off:off + 8]
    body[0] = 19
    return seal(body, 10)


# ---- building payloads (for tests that craft malformed ones) -----------------


def enc_len(v):
    if v < 64:
        return bytes([v])
    if v < 16384:
        return bytes([0x40 | (v >> 8), v & 0xFF])
    if v <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", v)
    return b"\x81" + struct.pack(">Q", v)


def enc_string(b):
    return enc_len(len(b)) + b


def enc_lzf_literal(b, plain_len=None):
    """b as LZF-encoded string made of literal runs only (plain_len may lie)."""
    out = bytearray()
    for i in range(0, len(b), 32):
        chunk = b[i:i + 32]
        out.append(len(chunk) - 1)
        out += chunk
    return b"\xc3" + enc_len(len(out)) + enc_len(len(b) if plain_len is None else plain_len) + bytes(out)


def _lp_elem(v):
    if isinstance(v, int):
        if 0 <= v <= 127:
            e = bytes([v])
        elif -4096 <= v <= 4095:
            u = v & 0x1FFF
            e = bytes([0xC0 | (u >> 8), u & 0xFF])
        elif -32768 <= v <= 32767:
            e = b"\xf1" + struct.pack("<h", v)
        elif -(1 << 31) <= v < (1 << 31):
            e = b"\xf3" + struct.pack("<i", v)
        else:
            e = b"\xf4" + struct.pack("<q", v)
    else:
        if len(v) < 64:
            e = bytes([0x80 | len(v)]) + v
        elif len(v) < 4096:
            e = bytes([0xE0 | (len(v) >> 8), len(v) & 0xFF]) + v
        else:
            e = b"\xf0" + struct.pack("<I", len(v)) + v
    n = len(e)
    if n <= 127:
        bl = bytes([n])
    else:
        bl = bytes([n >> 7, (n & 127) | 128])
    return e + bl


def build_listpack(elems, count=None):
    body = b"".join(_lp_elem(x) for x in elems)
    total = 6 + len(body) + 1
    return struct.pack("<IH", total, len(elems) if count is None else count) + body + b"\xff"


def node_elems(master, entries, deleted=()):
    """The listpack elements of one node: entries are (id, [(f, v)...]);
    deleted is a set of their indexes marked deleted."""
    mfields = [f for f, _ in entries[0][1]]
    el = [len(entries) - len(deleted), len(deleted), len(mfields)] + mfields + [0]
    for i, (eid, fv) in enumerate(entries):
        same = [f for f, _ in fv] == mfields
        flags = (1 if i in deleted else 0) | (2 if same else 0)
        el += [flags, eid[0] - master[0], eid[1] - master[1]]
        if same:
            el += [v for _, v in fv] + [len(fv) + 3]
        else:
            el += [len(fv)] + [x for p in fv for x in p] + [2 * len(fv) + 4]
    return el


def build_stream(nodes, length, last_id, groups=(), first_id=(0, 0), max_deleted=(0, 0),
                 entries_added=None, type_byte=19, version=10, idmp=None):
    """nodes: [(master_id, listpack bytes)]; groups: [{"name", "last_id",
    "entries_read", "pel": [(id, ms, count)], "consumers": [{"name", "seen",
    "active", "pel": [id]}], "nacked": [id] (type 27)}]; idmp (type 26 and
    27): {"duration", "maxsize", "producers": [(pid, [(iid, id)])], "added",
    "duplicates"}, by default what a stream that never used it has. Returns
    a sealed payload."""
    out = bytearray([type_byte]) + enc_len(len(nodes))
    for node in nodes:
        master, lp = node[0], node[1]
        key = node[2] if len(node) > 2 else struct.pack(">QQ", *master)
        # lp is listpack bytes, or ("raw", an already encoded string)
        out += enc_string(key) + (lp[1] if isinstance(lp, tuple) else enc_string(lp))
    out += enc_len(length) + enc_len(last_id[0]) + enc_len(last_id[1])
    if type_byte >= 19:
        out += enc_len(first_id[0]) + enc_len(first_id[1])
        out += enc_len(max_deleted[0]) + enc_len(max_deleted[1])
        out += enc_len(length if entries_added is None else entries_added)
    out += enc_len(len(groups))
    for g in groups:
        out += enc_string(g["name"]) + enc_len(g["last_id"][0]) + enc_len(g["last_id"][1])
        if type_byte >= 19:
            er = g.get("entries_read", -1)
            out += enc_len((1 << 64) - 1 if er == -1 else er)
        out += enc_len(len(g["pel"]))
        for (ms, seq), t, cnt in g["pel"]:
            out += struct.pack(">QQ", ms, seq) + struct.pack("<q", t) + enc_len(cnt)
        out += enc_len(len(g["consumers"]))
        for c in g["consumers"]:
            out += enc_string(c["name"]) + struct.pack("<q", c["seen"])
            if type_byte >= 21:
                out += struct.pack("<q", c.get("active", -1))
            out += enc_len(len(c["pel"]))
            for ms, seq in c["pel"]:
                out += struct.pack(">QQ", ms, seq)
        if type_byte >= 27:
            out += enc_len(len(g.get("nacked", ())))
            for ms, seq in g.get("nacked", ()):
                out += struct.pack(">QQ", ms, seq)
    if type_byte >= 26:
        out += build_idmp(idmp or {})
    return seal(out, version)


def build_idmp(m):
    """Type 26's idempotency part (see build_stream)."""
    out = enc_len(m.get("duration", 100)) + enc_len(m.get("maxsize", 100))
    prods = m.get("producers", [])
    out += enc_len(len(prods))
    for pid, iids in prods:
        out += enc_string(pid) + enc_len(len(iids))
        for iid, (ms, seq) in iids:
            out += enc_string(iid) + enc_len(ms) + enc_len(seq)
    return out + enc_len(m.get("added", 0)) + enc_len(m.get("duplicates", 0))
