"""Shared test support for streamd's integration and differential tests.

Import from test modules as `from testlib import ...` (tests/ is on sys.path
through tests/conftest.py). See tests/conftest.py for the fixtures.
"""

import pytest

from .diff import (Call, Diff, DiffMismatch, Recv, approx, as_flat, canon, error_code, ignore,
                   same_type, scan_keys, sorted_reply, without_lrm)
from .resp import (ConnectionClosed, Double, Push, RespConn, RespError, RespSet, Status,
                   parse_info, parse_kv,
                   Verbatim, encode_command)
from .block import blocked_clients, wait_blocked
from .wait import wait_for
from .server import (REDIS_BIN, REPO, SLOW, STREAMD_BIN, TARGET, Server, ServerError, free_port,
                     redis_on_aof_of)

IS_REDIS = TARGET == "redis"
IS_STREAMD = TARGET == "streamd"

# Marks a test that checks something streamd does on purpose differently from
# Redis 7.0 (or that only streamd has); skipped when validating against Redis.
streamd_only = pytest.mark.skipif(IS_REDIS, reason="streamd-specific behaviour")
# Marks a test of Redis 7.0 behaviour that streamd does not aim to reproduce.
redis_only = pytest.mark.skipif(IS_STREAMD, reason="Redis-only behaviour")

__all__ = [
    "Call", "Diff", "DiffMismatch", "Recv", "approx", "as_flat", "canon", "error_code", "ignore",
    "same_type", "scan_keys", "sorted_reply", "ConnectionClosed", "Double", "Push", "RespConn",
    "RespError", "RespSet", "Status", "parse_info", "parse_kv", "Verbatim", "encode_command", "REDIS_BIN", "REPO", "SLOW",
    "STREAMD_BIN", "TARGET", "Server", "ServerError", "free_port", "IS_REDIS", "IS_STREAMD",
    "streamd_only", "redis_only", "blocked_clients", "wait_blocked", "wait_for", "redis_on_aof_of",
]
