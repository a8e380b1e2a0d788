#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two weft-dc-peer processes talk through udp-impair with 5% loss and 20 ms
delay each way (and a little reordering): the channel must open and a
checksummed 20 MB transfer must arrive intact.

The kernels here have no netem, so the relay does the impairment: each peer
is told (--relay) that the other's only candidate is the relay port facing
it, and the relay forwards between the two.

usage: test-impairment.py PATH/TO/weft-dc-peer PATH/TO/udp-impair"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_util as iu  # noqa: E402

MEGABYTES = int(os.environ.get("WEFT_IMPAIR_MB", "20"))
LIMIT = 520  # seconds; the meson timeout is larger


def main():
    tool = iu.find_peer_tool(sys.argv)
    relay_tool = sys.argv[2] if len(sys.argv) > 2 else ""
    if not os.access(relay_tool, os.X_OK):
        iu.skip("the udp-impair relay is missing (%r)" % relay_tool)
    relay = subprocess.Popen([relay_tool, "--loss", "5", "--delay", "20", "--reorder", "1",
                              "--reorder-delay", "5", "--seed", "4242",
                              "--duration", str(LIMIT + 30)],
                             stdout=subprocess.PIPE, text=True)
    ports = json.loads(relay.stdout.readline())
    assert ports["type"] == "listening", ports
    common = ["--timeout", str(LIMIT)]
    offerer, answerer = iu.run_pair(
        [tool, "--offer", "--mode", "send", "--megabytes", str(MEGABYTES),
         "--relay", "127.0.0.1:%d" % ports["port_a"]] + common,
        [tool, "--answer", "--mode", "recv", "--relay", "127.0.0.1:%d" % ports["port_b"]] + common,
        timeout=LIMIT + 20)
    relay.terminate()
    stats = json.loads(relay.communicate(timeout=10)[0].strip().splitlines()[-1])
    try:
        assert offerer.proc.returncode == 0, ("offerer exit", offerer.proc.returncode)
        assert answerer.proc.returncode == 0, ("answerer exit", answerer.proc.returncode)
        opened = offerer.one("open")
        sent, got = offerer.one("result"), answerer.one("result")
        assert sent["verified"] and got["verified"], (sent, got)
        assert got["bytes"] == sent["bytes"] == MEGABYTES * 1000 * 1000, (sent, got)
        # the traffic really went through the relay, and really lost datagrams
        for direction in ("a_to_b", "b_to_a"):
            d = stats[direction]
            assert d["forwarded"] > 1000 and d["dropped"] > 0, stats
    except AssertionError as e:
        print("not ok - impaired transfer: %s" % (e,))
        print("# relay: " + json.dumps(stats))
        if "ICE failed" in offerer.stderr + answerer.stderr:
            # seen with libnice 0.1.21: its consent freshness sends one
            # unretransmitted check every ~5 s and fails the pair 10 s after
            # the last answer, so one lost check or answer kills the path
            print("# ICE failed mid-transfer: consent freshness (RFC 7675 allows 30 s "
                  "and retransmissions) did not survive the loss")
        iu.show(offerer)
        iu.show(answerer)
        return 1
    print("ok - channel opened in %.0f ms and %d MB arrived intact in %.1f s (%.2f MB/s) "
          "through 5%% loss and 20 ms delay each way" % (
              opened["ms"], MEGABYTES, sent["seconds"], sent["mb_per_s"]))
    print("# relay: " + json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
