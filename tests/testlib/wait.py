"""Polling for a condition that another connection or the server's cron
makes true."""

import time

from .server import SLOW


def wait_for(fn, what, timeout=10):
    """Polls fn until it returns a true value and returns that value; fails
    with `what` after timeout seconds (scaled for sanitizer builds)."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        v = fn()
        if v:
            return v
        assert time.monotonic() < deadline, what
        time.sleep(0.02)
