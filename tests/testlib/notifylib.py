"""Pub/Sub plumbing shared by the keyspace-notification tests: a fixture that
sets notify-keyspace-events for one test, a PubSub subscribed to every
"__*" channel, and drain(), which collects what arrived up to a sentinel
PUBLISH so that an expected absence is checked without waiting for silence.

A test module imports the fixtures by name (pytest finds them there):
    from testlib.notifylib import END, drain, flags, sub  # noqa: F401
"""

import time

import pytest

END = b"__end"


@pytest.fixture
def flags(r):
    """Sets notify-keyspace-events for the test; "" again afterwards."""

    def set_flags(v):
        r.config_set("notify-keyspace-events", v)

    yield set_flags
    r.config_set("notify-keyspace-events", "")


@pytest.fixture
def sub(rr):
    """A redis-py PubSub subscribed to every "__*" channel."""
    p = rr().pubsub()
    p.psubscribe("__*")
    assert p.get_message(timeout=5)["type"] == "psubscribe"
    yield p
    p.close()


def drain(r, p):
    """(channel, data) of every message p got before the sentinel."""
    r.publish(END, "x")
    out = []
    deadline = time.time() + 10
    while time.time() < deadline:
        m = p.get_message(timeout=1)
        if m is None or m["type"] not in ("message", "pmessage"):
            continue
        if m["channel"] == END:
            return out
        out.append((m["channel"], m["data"]))
    raise AssertionError("no sentinel; got %r" % out)
