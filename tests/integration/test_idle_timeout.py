"""`timeout`: an idle normal client is closed, a subscriber is not (it only
listens), as Redis 7.0 does. Passes against redis-server too
(STREAMD_TARGET=redis)."""

import time

from testlib import SLOW


def test_idle_timeout_spares_subscribers(r, rr):
    r.config_set("timeout", 1)
    try:
        idle = rr()
        idle.ping()  # then says nothing: closed after a second
        sub = rr().pubsub()
        sub.subscribe("news")
        assert sub.get_message(timeout=5)["type"] == "subscribe"
        deadline = time.monotonic() + 10 * SLOW
        while time.monotonic() < deadline:
            clients = r.client_list()
            if len(clients) <= 2:  # r itself and the subscriber
                break
            time.sleep(0.2)
            r.ping()  # r stays busy, so it is never idle for a second
        kinds = sorted(c["flags"] for c in r.client_list())
        assert kinds == ["N", "P"], kinds
        r.publish("news", "still here")
        m = sub.get_message(timeout=5)
        assert m and m["data"] == b"still here"
        sub.close()
    finally:
        r.config_set("timeout", 0)
