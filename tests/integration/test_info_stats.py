"""INFO stats fields 7.0 has: every one of them is there, in 7.0's order,
and the ones streamd measures move: latest_fork_usec after a fork, the
active expiry's stale estimate, cycle time and time-cap count, and
dump_payload_sanitizations under sanitize-dump-payload yes / clients.
"""

import time

import pytest

from testlib import IS_REDIS, SLOW, wait_for

# what 7.0's INFO stats lists, in its order (the replication byte counters
# aside: streamd counts its replication traffic in the totals)
FIELDS_70 = """total_connections_received total_commands_processed instantaneous_ops_per_sec
total_net_input_bytes total_net_output_bytes instantaneous_input_kbps instantaneous_output_kbps
rejected_connections sync_full sync_partial_ok sync_partial_err expired_keys expired_stale_perc
expired_time_cap_reached_count expire_cycle_cpu_milliseconds evicted_keys evicted_clients
total_eviction_exceeded_time current_eviction_exceeded_time keyspace_hits keyspace_misses
pubsub_channels pubsub_patterns pubsubshard_channels latest_fork_usec total_forks
migrate_cached_sockets slave_expires_tracked_keys active_defrag_hits active_defrag_misses
active_defrag_key_hits active_defrag_key_misses total_active_defrag_time
current_active_defrag_time tracking_total_keys tracking_total_items tracking_total_prefixes
unexpected_error_replies total_error_replies dump_payload_sanitizations total_reads_processed
total_writes_processed io_threaded_reads_processed io_threaded_writes_processed""".split()


def stat_names(c):
    raw = c.execute_command("INFO", "stats")
    if isinstance(raw, dict):
        return list(raw)
    text = raw.decode() if isinstance(raw, bytes) else raw
    return [l.split(":")[0] for l in text.splitlines() if ":" in l]


def test_fields_in_70_order(r):
    names = stat_names(r)
    present = [n for n in names if n in FIELDS_70]
    assert present == FIELDS_70



@pytest.mark.skipif(IS_REDIS, reason="numbers of streamd's own making")
def test_measured_fields(r):
    assert r.info("stats")["latest_fork_usec"] >= 0
    r.bgsave()
    assert wait_for(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0,
                    "r.info('persistence')['rdb_bgsave_in_progress'] == 0")
    assert r.info("stats")["latest_fork_usec"] > 0
    p = r.pipeline(transaction=False)
    for i in range(2000):
        p.set(f"e{i}", 1, px=1)
    for i in range(500):
        p.set(f"l{i}", 1, ex=1000)
    p.execute()
    assert wait_for(lambda: r.info("stats")["expired_keys"] >= 2000,
                    "r.info('stats')['expired_keys'] >= 2000")
    st = r.info("stats")
    assert st["expired_stale_perc"] > 0
    assert st["expire_cycle_cpu_milliseconds"] >= 0
    r.set("src", "v")
    payload = r.dump("src")
    before = r.info("stats")["dump_payload_sanitizations"]
    r.restore("a", 0, payload)
    assert r.info("stats")["dump_payload_sanitizations"] == before  # no
    r.config_set("sanitize-dump-payload", "yes")
    try:
        r.restore("b", 0, payload)
        assert r.info("stats")["dump_payload_sanitizations"] == before + 1
    finally:
        r.config_set("sanitize-dump-payload", "no")
