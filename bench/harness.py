"""Puts the shared benchmark harness (../shared/bench, its streambench
package) on sys.path for the scripts in this folder: found from the project
root or from any parent folder (a worktree), or named by $STREAMBENCH."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def find_harness():
    if os.environ.get("STREAMBENCH"):
        return os.environ["STREAMBENCH"]
    d = os.path.dirname(HERE)
    while True:
        candidate = os.path.join(os.path.dirname(d), "shared", "bench")
        if os.path.isdir(os.path.join(candidate, "streambench")):
            return candidate
        if os.path.dirname(d) == d:
            sys.exit("the harness (../shared/bench) was not found; set STREAMBENCH")
        d = os.path.dirname(d)


sys.path.insert(0, find_harness())
