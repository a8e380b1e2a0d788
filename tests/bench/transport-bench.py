#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Data channel benchmark: two Weft processes on loopback beside references
measured in the same run: plain UDP ping-pong and a plain UDP 1200-byte
stream between two C processes, and aiortc <-> aiortc in two processes.

Prints the channel-open time (p50 of several opens, timed from when both
processes are up and signalling is connected to the channel's open event), the round trip of 1,000
100-byte messages (p50, p99) and one-way throughput of 200 MB in 64 KiB
messages, each beside its reference and as a ratio, with the targets.

The round trips are measured twice: as the scheduler places the processes,
and with both processes pinned to one CPU (taskset). On this kind of VM a
wake-up across CPUs costs tens of microseconds and comes and goes from run
to run; on one CPU the round trip is the work done per message plus two
context switches, which is what Weft can change. The throughput is also
measured between two Weft peers that use 16000-byte SCTP packets on the
loopback path, as Weft agents do between themselves.

usage: transport-bench.py WEFT_DC_PEER UDP_PINGPONG UDP_STREAM AIORTC_PEER_PY
Weft and plain UDP are measured in alternation, WEFT_BENCH_ROUNDS times; each
ratio is the median of the per-round ratios, so that a change of machine
state between two measurements does not decide it.

environment: WEFT_BENCH_MB (200), WEFT_BENCH_PINGS (1000), WEFT_BENCH_OPENS (7),
             WEFT_BENCH_ROUNDS (3), WEFT_BENCH_SKIP_AIORTC=1"""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
import interop_util as iu  # noqa: E402

MB = int(os.environ.get("WEFT_BENCH_MB", "200"))
PINGS = int(os.environ.get("WEFT_BENCH_PINGS", "1000"))
OPENS = int(os.environ.get("WEFT_BENCH_OPENS", "7"))
ROUNDS = max(1, int(os.environ.get("WEFT_BENCH_ROUNDS", "3")))


def pinned(cmd):
    """cmd on CPU 0 only, or None where taskset is missing"""
    if not os.path.exists("/usr/bin/taskset"):
        return None
    return ["/usr/bin/taskset", "-c", "0"] + cmd


def c_result(cmd):
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=300, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def pair(offer_cmd, answer_cmd, timeout=600):
    o, a = iu.run_pair(offer_cmd, answer_cmd, timeout=timeout)
    if o.proc.returncode != 0 or a.proc.returncode != 0:
        iu.show(o)
        iu.show(a)
        raise SystemExit("benchmark run failed: %s" % " ".join(offer_cmd))
    return o, a


class TcpSide:
    def __init__(self, proc, out):
        self.proc = proc
        self.lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]

    def one(self, kind):
        found = [l for l in self.lines if l.get("type") == kind]
        assert len(found) == 1, (kind, self.lines)
        return found[0]


def tcp_pair(offer_cmd, answer_cmd, timeout=600):
    """weft-dc-peer signalling over its own loopback TCP socket: the offerer
    starts timing when the answerer has connected, so process start-up is
    not counted in the open time"""
    offerer = subprocess.Popen(offer_cmd + ["--listen", "0"], stdout=subprocess.PIPE, text=True)
    first = json.loads(offerer.stdout.readline())
    answerer = subprocess.Popen(answer_cmd + ["--connect", "127.0.0.1:%d" % first["port"]],
                                stdout=subprocess.PIPE, text=True)
    out_o = offerer.communicate(timeout=timeout)[0]
    out_a = answerer.communicate(timeout=timeout)[0]
    if offerer.returncode != 0 or answerer.returncode != 0:
        raise SystemExit("benchmark run failed: %s" % " ".join(offer_cmd))
    return TcpSide(offerer, out_o), TcpSide(answerer, out_a)


def measure(name, offer, answer, run=pair):
    """offer/answer: functions building a peer command from extra arguments"""
    opens = []
    for _ in range(OPENS):
        o, a = run(offer("--mode", "ping", "--count", "20"), answer("--mode", "echo"))
        opens.append(o.one("open")["ms"])
    o, a = run(offer("--mode", "ping", "--count", str(PINGS), "--size", "100"),
               answer("--mode", "echo"))
    ping = o.one("result")
    o, a = run(offer("--mode", "send", "--megabytes", str(MB), "--size", "65536"),
               answer("--mode", "recv"))
    send = o.one("result")
    assert send["verified"], send
    result = {"open_ms": statistics.median(opens), "p50_us": ping["p50_us"],
              "p99_us": ping["p99_us"], "mb_per_s": send["mb_per_s"]}
    if pinned([]) is not None:
        o, a = run(pinned(offer("--mode", "ping", "--count", str(PINGS), "--size", "100")),
                   pinned(answer("--mode", "echo")))
        result["pinned_p50_us"] = o.one("result")["p50_us"]
    print("# %s: open %s ms; ping p50 %s us p99 %s us (one CPU: p50 %s us); %.1f MB/s" % (
        name, " ".join("%.1f" % x for x in opens), round(ping["p50_us"]), round(ping["p99_us"]),
        result.get("pinned_p50_us", "-"), send["mb_per_s"]), flush=True)
    return result


def row(label, value, unit, ref_name, ref, target, ratio=None):
    if ratio is None:
        ratio = value / ref if ref else float("nan")
    print("%-28s %10.1f %-5s %-14s %10.1f %-5s ratio %6.2f   %s" % (
        label, value, unit, ref_name, ref, unit, ratio, target))


def main():
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    tool, pingpong, stream, aiortc_peer = sys.argv[1:5]
    if not os.access(tool, os.X_OK):
        iu.skip("weft-dc-peer is missing (%r)" % tool)

    weft_offer = [tool, "--offer", "--timeout", "600"]
    weft_answer = [tool, "--answer", "--timeout", "600"]
    opens = []
    for _ in range(OPENS):
        o, a = tcp_pair(weft_offer + ["--mode", "ping", "--count", "20"],
                        weft_answer + ["--mode", "echo"])
        opens.append(o.one("open")["ms"])
    print("# weft: open %s ms" % " ".join("%.1f" % x for x in opens), flush=True)

    def weft_ping(wrap=lambda c: c):
        o, a = tcp_pair(wrap(weft_offer + ["--mode", "ping", "--count", str(PINGS), "--size",
                                           "100"]), wrap(weft_answer + ["--mode", "echo"]))
        return o.one("result")

    def weft_send(*extra):
        o, a = tcp_pair(weft_offer + list(extra) + ["--mode", "send", "--megabytes", str(MB),
                                                     "--size", "65536"],
                        weft_answer + list(extra) + ["--mode", "recv"])
        r = o.one("result")
        assert r["verified"], r
        return r["mb_per_s"]

    rounds = []
    for i in range(ROUNDS):
        r = {"udp": c_result([pingpong, str(PINGS), "100"]), "weft": weft_ping(),
             "udp_stream": c_result([stream, str(MB)])["mb_per_s"], "weft_stream": weft_send(),
             "weft_large": weft_send("--large-packets")}
        if pinned([]) is not None:
            r["udp_pinned"] = c_result(pinned([pingpong, str(PINGS), "100"]))["p50_us"]
            r["weft_pinned"] = weft_ping(pinned)["p50_us"]
        print("# round %d: ping p50 weft %s us, UDP %s us; on one CPU weft %s us, UDP %s us; "
              "weft %.1f MB/s, large packets %.1f MB/s, UDP stream %.1f MB/s" % (
                  i + 1, r["weft"]["p50_us"], r["udp"]["p50_us"], r.get("weft_pinned", "-"),
                  r.get("udp_pinned", "-"), r["weft_stream"], r["weft_large"], r["udp_stream"]),
              flush=True)
        rounds.append(r)

    def med(f):
        return statistics.median(f(r) for r in rounds)

    weft = {"open_ms": statistics.median(opens), "p50_us": med(lambda r: r["weft"]["p50_us"]),
            "p99_us": med(lambda r: r["weft"]["p99_us"]),
            "mb_per_s": med(lambda r: r["weft_stream"])}
    ratios = {"p50": med(lambda r: r["weft"]["p50_us"] / r["udp"]["p50_us"]),
              "p99": med(lambda r: r["weft"]["p99_us"] / r["udp"]["p99_us"]),
              "stream": med(lambda r: r["weft_stream"] / r["udp_stream"]),
              "large": med(lambda r: r["weft_large"] / r["udp_stream"])}
    udp_ping = {"p50_us": med(lambda r: r["udp"]["p50_us"]),
                "p99_us": med(lambda r: r["udp"]["p99_us"])}
    udp_stream = {"mb_per_s": med(lambda r: r["udp_stream"])}
    large = {"mb_per_s": med(lambda r: r["weft_large"])}
    if "udp_pinned" in rounds[0]:
        weft["pinned_p50_us"] = med(lambda r: r["weft_pinned"])
        udp_pinned = {"p50_us": med(lambda r: r["udp_pinned"])}
        ratios["pinned"] = med(lambda r: r["weft_pinned"] / r["udp_pinned"])
    else:
        udp_pinned = None

    aio = None
    if not os.environ.get("WEFT_BENCH_SKIP_AIORTC"):
        try:
            import aiortc  # noqa: F401
            py = [sys.executable, aiortc_peer, "--timeout", "600"]
            aio = measure("aiortc",
                          lambda *a: py + ["--offer", "--no-checksum", "--wait-ready"] + list(a),
                          lambda *a: py + ["--answer", "--no-checksum"] + list(a))
        except ImportError:
            print("# aiortc is not installed: no aiortc reference")

    print()
    print("Weft data channel, two processes on loopback (%d pings, %d MB in 64 KiB messages)" % (
        PINGS, MB))
    print("%-28s %16s %-14s %16s %12s   %s" % ("metric", "weft", "reference", "", "ratio", "target"))
    if aio:
        row("channel open p50", weft["open_ms"], "ms", "aiortc", aio["open_ms"],
            "weft <= 10 ms")
    else:
        print("%-28s %10.1f ms" % ("channel open p50", weft["open_ms"]))
    row("RTT p50 (100 B)", weft["p50_us"], "us", "plain UDP", udp_ping["p50_us"], "<= 1.5",
        ratios["p50"])
    row("RTT p99 (100 B)", weft["p99_us"], "us", "plain UDP", udp_ping["p99_us"], "",
        ratios["p99"])
    if udp_pinned:
        row("RTT p50, one CPU", weft["pinned_p50_us"], "us", "plain UDP", udp_pinned["p50_us"],
            "<= 1.5", ratios["pinned"])
    if aio:
        row("RTT p50 (100 B)", weft["p50_us"], "us", "aiortc", aio["p50_us"], "<= 0.5")
        row("RTT p99 (100 B)", weft["p99_us"], "us", "aiortc", aio["p99_us"], "")
    row("throughput (64 KiB msgs)", weft["mb_per_s"], "MB/s", "UDP 1200 B", udp_stream["mb_per_s"],
        ">= 0.6", ratios["stream"])
    if aio:
        row("throughput (64 KiB msgs)", weft["mb_per_s"], "MB/s", "aiortc", aio["mb_per_s"],
            ">= 10")
    row("throughput, weft<->weft", large["mb_per_s"], "MB/s", "UDP 1200 B", udp_stream["mb_per_s"],
        ">= 0.6", ratios["large"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
