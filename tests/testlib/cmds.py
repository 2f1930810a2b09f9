"""Helpers the command tests share: a command's reply, a command's error
text, and the server arguments of an AOF fsynced on every write."""

import pytest
from redis.exceptions import ResponseError

AOF_ALWAYS = ["--appendonly", "yes", "--appendfsync", "always"]


def x(c, *args):
    """The reply to one command, sent as given (no client-side parsing)."""
    return c.execute_command(*args)


def err(c, *args):
    """The text of the error one command must answer."""
    with pytest.raises(ResponseError) as e:
        c.execute_command(*args)
    return str(e.value)
