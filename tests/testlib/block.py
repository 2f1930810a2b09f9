"""Waiting for blocked clients: the synchronisation of every blocking test.

A test that blocks a reader and then acts on another connection must first
know the reader is blocked, or the action may land before the command and
the test would pass or fail by timing. INFO's blocked_clients tells it.
"""

import re
import time

from .server import SLOW


def blocked_clients(c):
    """INFO clients' blocked_clients, through a RespConn."""
    return int(re.search(rb"blocked_clients:(\d+)", bytes(c.call("INFO", "clients"))).group(1))


def wait_blocked(c, n):
    """Waits until at least n clients are blocked (fails after 5 s, scaled
    for sanitizer builds)."""
    deadline = time.monotonic() + 5 * SLOW
    while blocked_clients(c) < n:
        assert time.monotonic() < deadline, "no client blocked"
        time.sleep(0.005)
