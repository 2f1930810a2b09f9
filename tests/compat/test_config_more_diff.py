"""Redis 7.0's process, persistence and ACL configs against redis-server
7.0: CONFIG GET of their defaults, CONFIG SET's acceptance, canonical forms
and error texts, and what acl-pubsub-default does to new users and
selectors. What the settings do to the process is in
tests/integration/test_procenv.py.
"""

import pytest

from testlib import IS_REDIS

pytestmark = pytest.mark.skipif(IS_REDIS, reason="compares streamd with redis-server 7.0")

NAMES = ["set-proc-title", "proc-title-template", "oom-score-adj", "oom-score-adj-values",
         "disable-thp", "jemalloc-bg-thread", "dynamic-hz", "always-show-logo", "supervised",
         "syslog-enabled", "syslog-ident", "syslog-facility", "rdb-del-sync-files",
         "repl-disable-tcp-nodelay", "no-appendfsync-on-rewrite", "aof-timestamp-enabled",
         "aof-rewrite-incremental-fsync", "rdb-save-incremental-fsync", "aof-disable-auto-gc",
         "propagation-error-behavior", "sanitize-dump-payload", "acl-pubsub-default",
         "active-expire-effort", "shutdown-on-sigint", "shutdown-on-sigterm",
         "crash-log-enabled", "crash-memcheck-enabled", "activedefrag",
         "active-defrag-ignore-bytes", "active-defrag-threshold-lower",
         "active-defrag-threshold-upper", "active-defrag-cycle-min", "active-defrag-cycle-max",
         "active-defrag-max-scan-fields", "io-threads-do-reads", "ignore-warnings",
         "server_cpulist", "bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist",
         "socket-mark-id", "replica-announce-ip", "slave-announce-ip", "bind-source-addr",
         "replica-ignore-disk-write-errors", "hll-sparse-max-bytes"]


def test_defaults(diff):
    diff([("CONFIG", "GET", n) for n in NAMES])


def test_set_and_errors(diff):
    diff([
        ("CONFIG", "SET", "always-show-logo", "yes"), ("CONFIG", "SET", "set-proc-title", "no"),
        ("CONFIG", "SET", "disable-thp", "no"), ("CONFIG", "SET", "supervised", "systemd"),
        ("CONFIG", "SET", "syslog-enabled", "yes"), ("CONFIG", "SET", "syslog-ident", "x"),
        ("CONFIG", "SET", "syslog-facility", "local1"),
        ("CONFIG", "SET", "proc-title-template", "{title} {{x}} {port}"),
        ("CONFIG", "GET", "proc-title-template"),
        ("CONFIG", "SET", "proc-title-template", "{nosuch}"),
        ("CONFIG", "SET", "proc-title-template", "{title"),
        ("CONFIG", "SET", "proc-title-template", ""),
        ("CONFIG", "SET", "proc-title-template", "{title} {listen-addr} {server-mode}"),
        ("CONFIG", "SET", "oom-score-adj", "maybe"), ("CONFIG", "SET", "oom-score-adj", "relative"),
        ("CONFIG", "GET", "oom-score-adj"), ("CONFIG", "SET", "oom-score-adj", "no"),
        ("CONFIG", "SET", "oom-score-adj-values", "1 2"),
        ("CONFIG", "SET", "oom-score-adj-values", "0 200 800 5"),
        ("CONFIG", "SET", "oom-score-adj-values", "0 200 3000"),
        ("CONFIG", "SET", "oom-score-adj-values", "0 a 3"),
        ("CONFIG", "SET", "oom-score-adj-values", "0 300 900"),
        ("CONFIG", "GET", "oom-score-adj-values"),
        ("CONFIG", "SET", "oom-score-adj-values", "0 200 800"),
        ("CONFIG", "SET", "jemalloc-bg-thread", "no"), ("CONFIG", "SET", "dynamic-hz", "no"),
        ("CONFIG", "SET", "aof-timestamp-enabled", "maybe"),
        ("CONFIG", "SET", "shutdown-on-sigterm", "bad"),
        ("CONFIG", "SET", "shutdown-on-sigterm", "save nosave"),
        ("CONFIG", "SET", "shutdown-on-sigterm", ""),
        ("CONFIG", "SET", "shutdown-on-sigterm", "force now save"),
        ("CONFIG", "GET", "shutdown-on-sigterm"),
        ("CONFIG", "SET", "shutdown-on-sigterm", "default save"),
        ("CONFIG", "GET", "shutdown-on-sigterm"),
        ("CONFIG", "SET", "shutdown-on-sigint", "NOSAVE Now"),
        ("CONFIG", "GET", "shutdown-on-sigint"),
        ("CONFIG", "SET", "shutdown-on-sigterm", "default"),
        ("CONFIG", "SET", "shutdown-on-sigint", "default"),
        ("CONFIG", "SET", "activedefrag", "yes"), ("CONFIG", "GET", "activedefrag"),
        ("CONFIG", "SET", "active-defrag-cycle-max", "0"),
        ("CONFIG", "SET", "active-defrag-threshold-lower", "1001"),
        ("CONFIG", "SET", "active-defrag-ignore-bytes", "200mb"),
        ("CONFIG", "GET", "active-defrag-ignore-bytes"),
        ("CONFIG", "SET", "active-defrag-ignore-bytes", "100mb"),
        ("CONFIG", "SET", "active-expire-effort", "11"), ("CONFIG", "SET", "active-expire-effort", "0"),
        ("CONFIG", "SET", "active-expire-effort", "4"), ("CONFIG", "GET", "active-expire-effort"),
        ("CONFIG", "SET", "active-expire-effort", "1"),
        ("CONFIG", "SET", "acl-pubsub-default", "x"),
        ("CONFIG", "SET", "sanitize-dump-payload", "maybe"),
        ("CONFIG", "SET", "sanitize-dump-payload", "clients"),
        ("CONFIG", "GET", "sanitize-dump-payload"),
        ("CONFIG", "SET", "sanitize-dump-payload", "no"),
        ("CONFIG", "SET", "propagation-error-behavior", "x"),
        ("CONFIG", "SET", "propagation-error-behavior", "panic-on-replicas"),
        ("CONFIG", "GET", "propagation-error-behavior"),
        ("CONFIG", "SET", "propagation-error-behavior", "ignore"),
        ("CONFIG", "SET", "crash-log-enabled", "no"), ("CONFIG", "SET", "crash-log-enabled", "yes"),
        ("CONFIG", "SET", "aof-disable-auto-gc", "yes"), ("CONFIG", "SET", "aof-disable-auto-gc", "no"),
        ("CONFIG", "SET", "io-threads-do-reads", "yes"), ("CONFIG", "SET", "ignore-warnings", "x y"),
        ("CONFIG", "GET", "ignore-warnings"), ("CONFIG", "SET", "ignore-warnings", ""),
        ("CONFIG", "SET", "server_cpulist", "0"), ("CONFIG", "SET", "bgsave_cpulist", "0"),
        ("CONFIG", "SET", "socket-mark-id", "1"),
    ])


def test_acl_pubsub_default(diff):
    diff([
        ("ACL", "SETUSER", "before"), ("ACL", "GETUSER", "before"),
        ("CONFIG", "SET", "acl-pubsub-default", "allchannels"),
        ("ACL", "SETUSER", "after"), ("ACL", "GETUSER", "after"),
        ("ACL", "SETUSER", "sel", "(+get ~k*)"), ("ACL", "GETUSER", "sel"),
        ("ACL", "SETUSER", "before", "reset"), ("ACL", "GETUSER", "before"),
        ("ACL", "LIST"),
        ("CONFIG", "SET", "acl-pubsub-default", "resetchannels"),
        ("ACL", "SETUSER", "later"), ("ACL", "GETUSER", "later"),
        ("ACL", "DELUSER", "before", "after", "sel", "later"),
    ])
