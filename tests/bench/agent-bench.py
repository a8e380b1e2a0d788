# SPDX-License-Identifier: LGPL-2.1-or-later
"""Agent benchmarks, one run: idle RSS of weft-agent beside agent-floor (the prescribed
libraries doing the least an idle agent must; see agent-floor.c), and delegation through the
registry with task push beside the same delegation with heartbeat polling only.

Knobs: WEFT_BENCH_PUSH_N (default 300), WEFT_BENCH_POLL_N (default 12)."""

import os
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from agent_harness import Agent, Registry, Workdir, binary  # noqa: E402

from gi.repository import Gio, GLib  # noqa: E402


def idle_memory(pid):
    """(VmRSS, shared clean, private dirty, PSS) in KiB"""
    return (rss_kib(pid), rollup_kib(pid, "Shared_Clean"), rollup_kib(pid, "Private_Dirty"),
            rollup_kib(pid, "Pss"))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def rollup_kib(pid, field):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


# what only a DataChannel needs; weft-agent loads it on the first channel (src/agent/weft-lazy-libs.py)
DATACHANNEL_LIBS = ("libnice", "libgnutls", "libusrsctp", "libgupnp", "libxml2", "libicuuc",
                    "libstdc++")


def rss_by_mapping(pid):
    """Rss in KiB per mapped file (by base name) or per kind of anonymous mapping."""
    totals = {}
    name = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            fields = line.split()
            if not fields[0].endswith(":"):
                path = fields[5] if len(fields) > 5 else ""
                if path.startswith("/"):
                    name = os.path.basename(path)
                else:
                    name = path or "[anonymous: arenas, thread stacks]"
            elif fields[0] == "Rss:":
                totals[name] = totals.get(name, 0) + int(fields[1])
    return totals


def print_rss_breakdown(pid):
    totals = rss_by_mapping(pid)
    print("where it goes (KiB, largest first):")
    shown = sorted(totals.items(), key=lambda kv: -kv[1])
    for name, kib in shown[:16]:
        print("  %6d  %s" % (kib, name))
    rest = shown[16:]
    print("  %6d  %d other mappings" % (sum(kib for _, kib in rest), len(rest)))
    mapped = sorted(n for n in totals if n.startswith(DATACHANNEL_LIBS))
    print("DataChannel libraries mapped while idle: %s" % (", ".join(mapped) or "none"))


def print_rss_difference(agent, floor):
    names = set(agent) | set(floor)
    diff = sorted(((agent.get(n, 0) - floor.get(n, 0), n) for n in names), reverse=True)
    print("where the agent has more than agent-floor (KiB):")
    for kib, name in diff:
        if abs(kib) >= 32 or name == "weft-agent":
            print("  %+6d  %s" % (kib, name))


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def delegate_times(bus, name, n):
    proxy = Gio.DBusProxy.new_sync(bus, Gio.DBusProxyFlags.DO_NOT_LOAD_PROPERTIES, None, name,
                                   "/org/weft/Agent1", "org.weft.Agent1", None)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        reply = proxy.call_sync("Delegate", GLib.Variant("(sssb)", ("alpha", "user_intervention",
                                                                     "ping %d" % i, True)),
                                Gio.DBusCallFlags.NONE, 150000, None)
        times.append((time.perf_counter() - t0) * 1000.0)
        assert reply.unpack()[0] == "Received: ping %d" % i, reply
    return times


def run_pair(work, reg, args, n):
    alpha = Agent(work.path, reg, "alpha", "ak_alpha", builtin=["user_intervention"]).start(*args)
    beta = Agent(work.path, reg, "beta", "ak_beta", builtin=["delegate"]).start(*args)
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        delegate_times(bus, beta.bus_name, min(n, 5))  # warm up
        return delegate_times(bus, beta.bus_name, n), alpha
    finally:
        beta.stop()
        alpha.stop()


def main():
    push_n = int(os.environ.get("WEFT_BENCH_PUSH_N", "300"))
    poll_n = int(os.environ.get("WEFT_BENCH_POLL_N", "12"))
    work = Workdir()
    reg = Registry(work.path)
    reg.start()
    try:
        # idle RSS: a started agent with every built-in skill, after it settled
        idle = Agent(work.path, reg, "idle", "ak_gamma",
                     builtin=["list_agents", "find_agent", "delegate", "mesh_send",
                              "mesh_broadcast", "user_intervention"]).start()
        time.sleep(3)
        rss, shared, private, pss = idle_memory(idle.proc.pid)
        agent_maps = rss_by_mapping(idle.proc.pid)
        print_rss_breakdown(idle.proc.pid)
        idle.stop()
        print("agent idle RSS: %.2f MB (target <= 8 MB): %s; of it %.2f MB shared library "
              "pages, %.2f MB private dirty; PSS %.2f MB"
              % (rss / 1024.0, "ok" if rss <= 8 * 1024 else "OVER", shared / 1024.0,
                 private / 1024.0, pss / 1024.0))

        # the reference, same registry, same key and manifest, after the agent left
        floor = subprocess.Popen([binary("WEFT_AGENT_FLOOR"), reg.url, "ak_gamma", idle.manifest,
                                  binary("WEFT_AGENT1_XML")], stdout=subprocess.PIPE, text=True)
        try:
            readable, _, _ = select.select([floor.stdout], [], [], 15)
            if not readable:
                raise AssertionError("agent-floor was not ready within 15 s")
            if floor.stdout.readline().strip() != "ready":
                raise AssertionError("agent-floor exited with status %d before it was ready"
                                     % floor.wait(timeout=5))
            time.sleep(3)
            f_rss, f_shared, f_private, f_pss = idle_memory(floor.pid)
            floor_maps = rss_by_mapping(floor.pid)
        finally:
            floor.terminate()
            floor.wait()
        print("agent-floor idle RSS: %.2f MB; of it %.2f MB shared library pages, %.2f MB "
              "private dirty; PSS %.2f MB" % (f_rss / 1024.0, f_shared / 1024.0,
                                             f_private / 1024.0, f_pss / 1024.0))
        print_rss_difference(agent_maps, floor_maps)
        print("agent / agent-floor: RSS %.2fx (%+.2f MB), PSS %.2fx, private dirty %.2fx"
              % (rss / f_rss, (rss - f_rss) / 1024.0, pss / f_pss, private / f_private))

        push, _ = run_pair(work, reg, ["--heartbeat-interval", "15"], push_n)
        poll, _ = run_pair(work, reg, ["--no-push", "--heartbeat-interval", "1"], poll_n)
        p50, p99 = percentile(push, 50), percentile(push, 99)
        q50, q99 = percentile(poll, 50), percentile(poll, 99)
        print("delegation via registry, push    (n=%d): p50 %.2f ms  p99 %.2f ms  (target p50 <= 10 ms): %s"
              % (len(push), p50, p99, "ok" if p50 <= 10 else "OVER"))
        print("delegation via registry, polling (n=%d): p50 %.2f ms  p99 %.2f ms"
              % (len(poll), q50, q99))
        print("polling / push, p50: %.1fx" % (q50 / p50))
    finally:
        reg.stop()
        work.cleanup()


if __name__ == "__main__":
    main()
