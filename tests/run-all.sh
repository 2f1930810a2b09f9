#!/bin/sh
# Runs every test and ends with one line "N passed, N failed".
#
#   tests/run-all.sh BUILD_DIR [pytest args...]
#
# 1. each unit-test binary BUILD_DIR/tests/test_* (it prints
#    "<name>: N passed, N failed" and exits non-zero on failure; a binary that
#    crashes or prints no summary counts as one failure);
# 2. the integration and differential tests with Debian's python3 + pytest
#    (two workers with python3-pytest-xdist: see below)
#    against BUILD_DIR/streamd, counted from a JUnit report (a test with an
#    error at setup or teardown counts as failed; skipped tests are reported
#    on a line of their own, not in the total).
# 3. the ioredis suite (tests/clients/ioredis/*.test.mjs, node:test) against
#    the same binary, counted from node's TAP summary (a cancelled test counts
#    as failed; a missing node or node_modules counts as one failure: run
#    `make deps`).
# The exit status is non-zero if anything failed.
set -u
BUILD_DIR=${1:-build}
[ $# -gt 0 ] && shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamd-run-all.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

passed=0
failed=0

for t in "$BUILD_DIR"/tests/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    "$t" >"$TMP/unit.out" 2>&1
    rc=$?
    cat "$TMP/unit.out"
    line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed$' "$TMP/unit.out" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$name: no summary line (exit status $rc): counted as 1 failure"
        failed=$((failed + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$name: exit status $rc with no failed check: counted as 1 failure"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done

PYTHON=/usr/bin/python3
# Two pytest workers (python3-pytest-xdist) when the plugin is there: each
# test file runs whole in one worker, its tests in their order
# (--dist loadfile), which halves the suite's time on two cores.
# STREAMD_TEST_JOBS=1 runs it in one process.
JOBS=${STREAMD_TEST_JOBS:-2}
PARALLEL=""
if [ "$JOBS" -gt 1 ] && "$PYTHON" -c "import xdist" 2>/dev/null; then
    PARALLEL="-n $JOBS --dist loadfile"
fi
STREAMD_BIN="$BUILD_DIR/streamd" PYTHONDONTWRITEBYTECODE=1 \
    "$PYTHON" -m pytest -q -p no:cacheprovider $PARALLEL --junitxml="$TMP/junit.xml" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "pytest: no tests collected"
elif [ ! -f "$TMP/junit.xml" ]; then
    echo "pytest exited with status $rc and no report: counted as 1 failure"
    failed=$((failed + 1))
else
    counts=$("$PYTHON" - "$TMP/junit.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
# A test that fails and then errors at teardown appears twice: count it once.
status = {}
rank = {"passed": 0, "skipped": 1, "failed": 2}
for case in root.iter("testcase"):
    tags = {child.tag for child in case}
    if "failure" in tags or "error" in tags:
        st = "failed"
    elif "skipped" in tags:
        st = "skipped"
    else:
        st = "passed"
    key = (case.get("classname"), case.get("name"))
    if rank[st] >= rank[status.get(key, "passed")]:
        status[key] = st
counts = [list(status.values()).count(x) for x in ("passed", "failed", "skipped")]
print(*counts)
PY
)
    set -- $counts
    if [ $# -ne 3 ]; then
        echo "could not read the pytest report: counted as 1 failure"
        failed=$((failed + 1))
    else
        [ "$3" -gt 0 ] && echo "pytest: $3 skipped"
        passed=$((passed + $1))
        failed=$((failed + $2))
        if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
            echo "pytest exited with status $rc with no failed test: counted as 1 failure"
            failed=$((failed + 1))
        fi
    fi
fi

IOREDIS_DIR="$ROOT/tests/clients/ioredis"
if ! command -v node >/dev/null 2>&1; then
    echo "ioredis suite: node not found (run make deps): counted as 1 failure"
    failed=$((failed + 1))
elif [ ! -d "$IOREDIS_DIR/node_modules/ioredis" ]; then
    echo "ioredis suite: $IOREDIS_DIR/node_modules missing (run make deps): counted as 1 failure"
    failed=$((failed + 1))
else
    STREAMD_BIN="$BUILD_DIR/streamd" timeout -k 10 600 \
        node --test --test-reporter=tap "$IOREDIS_DIR"/*.test.mjs >"$TMP/node.tap" 2>&1
    rc=$?
    num() { sed -n -E "s/^# $1 ([0-9]+)\$/\1/p" "$TMP/node.tap" | tail -n 1; }
    np=$(num pass)
    nf=$(num fail)
    nc=$(num cancelled)
    ns=$(num skipped)
    if [ -z "$np" ] || [ -z "$nf" ] || [ -z "$nc" ]; then
        cat "$TMP/node.tap"
        echo "ioredis suite: exit status $rc and no TAP summary: counted as 1 failure"
        failed=$((failed + 1))
    else
        nf=$((nf + nc))
        [ "$rc" -ne 0 ] && cat "$TMP/node.tap"
        echo "ioredis suite ($(node -v)): $np passed, $nf failed${ns:+, $ns skipped}"
        if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
            echo "ioredis suite: exit status $rc with no failed test: counted as 1 failure"
            nf=1
        fi
        passed=$((passed + np))
        failed=$((failed + nf))
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
