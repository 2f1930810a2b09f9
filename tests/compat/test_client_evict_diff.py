"""maxmemory-clients through CONFIG SET and GET, against 7.0: the memory
forms (units, k and kb, an empty value), the percentage form (N% with
string2ll's rules, 0% as 0, at most 100%), the errors, and the quirk that a
memory value past 2^63 reads as its 64 bits taken signed, hence as a
percentage (2^64 - 1 is 1%) or refused as one past 100%. CLIENT NO-EVICT's
replies too. Eviction itself: tests/integration/test_client_evict.py, run
against both servers.
"""

import pytest

from testlib import IS_REDIS, sorted_reply
from testlib.diff import Call

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

VALUES = ["0", "1", "100", "1k", "1kb", "1K", "1KB", "1m", "1mb", "1g", "1gb", "1G", "10b", "1B",
          "b", "kb", "", "007", "0mb", "5%", "0%", "1%", "100%", "101%", "2147483648%",
          "9223372036854775807%", "9223372036854775808%", "-1", "-0", "-5%", "-0%", "+5%",
          "05%", "00%", "1.5%", "1.5mb", "1t", "1kib", "1mbx", "1gb5", "1e3", "+5", "0x10",
          "abc", "%", "1%%", " 5%", "5 %", "5% ", "9223372036854775807",
          "9223372036854775808", "18446744073709551615", "18446744073709551614",
          "18446744073709551516", "18446744073709551616", "50000000000000000000"]


def test_config_set_get(diff):
    script = ["CONFIG GET maxmemory-clients"]
    for v in VALUES:
        script += [("CONFIG", "SET", "maxmemory-clients", v), "CONFIG GET maxmemory-clients"]
    # (a pattern's answer is in 7.0's hash order: compared sorted)
    script += ["CONFIG SET maxmemory-clients 0", Call("CONFIG GET maxmemory-*", norm=sorted_reply),
               "CONFIG SET maxmemory-clients 10% maxmemory-clients 1mb",
               "CONFIG SET maxmemory 0 maxmemory-clients 5%", "CONFIG GET maxmemory-clients",
               "CONFIG SET maxmemory-clients 0"]
    diff.run(script)
    diff.run(["CONFIG SET maxmemory-clients 7%", "CONFIG GET maxmemory-clients",
              "CONFIG SET maxmemory-clients 0"], resp=3)


def test_client_no_evict_replies(diff):
    diff.run(["CLIENT NO-EVICT on", "CLIENT NO-EVICT OFF", "CLIENT NO-EVICT On",
              "CLIENT NO-EVICT maybe", "CLIENT NO-EVICT", "CLIENT NO-EVICT on off",
              "CLIENT NO-EVICT off"])
