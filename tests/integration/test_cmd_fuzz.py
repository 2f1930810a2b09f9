"""A short, fixed-seed run of the command fuzzer (tests/fuzz/cmd_fuzz.py).

The fuzzer starts its own server from the binary under test, sends it a
seeded stream of plausible and adversarial commands over several RESP2 and
RESP3 connections, and checks after every batch that the server answers, at
intervals that XLEN/XRANGE/XINFO/XPENDING agree and that an AOF rewrite plus
DEBUG LOADAOF changes nothing a client sees, and at the end that it exits
cleanly with a clean sanitizer log. Its exit status is the verdict; on a
failure its output (the last commands sent, the server log) is the message.

STREAMD_CMD_FUZZ_SEED and STREAMD_CMD_FUZZ_SECONDS override the seed and the
length of the run.
"""

import os
import subprocess
import sys

import pytest

from testlib import IS_REDIS, REPO, SLOW, STREAMD_BIN

pytestmark = pytest.mark.skipif(IS_REDIS, reason="runs streamd's binary and its 8.x commands")

FUZZER = os.path.join(REPO, "tests", "fuzz", "cmd_fuzz.py")


# the run, then its checks: a few hundred thousand round trips, which an
# idle two-core VM answers more slowly than a busy one (50-60 s seen)
@pytest.mark.watchdog(200)
def test_cmd_fuzz_short_run():
    seed = os.environ.get("STREAMD_CMD_FUZZ_SEED", "20261126")
    seconds = os.environ.get("STREAMD_CMD_FUZZ_SECONDS", "20")
    argv = [sys.executable, FUZZER, "--bin", STREAMD_BIN, "--seed", seed, "--seconds", seconds,
            "--aof-every", "25"]
    if SLOW > 1:
        argv.append("--slow")
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # Past the run itself: start-up, the final AOF check, the shutdown
        # and the memory checks (35 s alone on a quiet machine, over 60 s
        # once in a loaded two-worker run); only a hang takes longer.
        out, _ = p.communicate(timeout=float(seconds) + 120 * SLOW)
    except subprocess.TimeoutExpired:
        p.terminate()  # the fuzzer stops its server on SIGTERM
        out, _ = p.communicate(timeout=30 * SLOW)
        pytest.fail("cmd_fuzz did not finish in time:\n" + out.decode("utf-8", "replace")[-30000:])
    out = out.decode("utf-8", "replace")
    print(out[-2000:])
    assert p.returncode == 0, "cmd_fuzz failed (exit status %d):\n%s" % (p.returncode, out[-30000:])
    assert ": clean" in out
