#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Interop between weft-dc-peer and aiortc (Debian python3-aiortc) on 127.0.0.1:
Weft as offerer and as answerer, aiortc's legacy SDP offer and Weft's own
legacy offer, text/binary/empty messages, checksummed transfers both ways,
and aiortc's 65536-byte message limit.

usage: test-aiortc.py PATH/TO/weft-dc-peer"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_util as iu  # noqa: E402

TOOL = iu.find_peer_tool(sys.argv)
iu.require_aiortc()
AIORTC = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "aiortc-peer.py")]
TIMEOUT = "60"
failures = []


def weft(*args):
    return [TOOL, "--timeout", TIMEOUT] + list(args)


def aiortc(*args):
    return AIORTC + ["--timeout", TIMEOUT] + list(args)


def sdp_of(side, kind):
    found = [m["sdp"] for m in side.signals if m["type"] == kind]
    assert len(found) == 1, (side.name, kind, side.signals)
    return found[0]


def case(name, offer_cmd, answer_cmd, check):
    offerer, answerer = iu.run_pair(offer_cmd, answer_cmd, timeout=90)
    try:
        check(offerer, answerer)
        print("ok - %s" % name)
    except AssertionError as e:
        print("not ok - %s: %s" % (name, e))
        iu.show(offerer)
        iu.show(answerer)
        failures.append(name)


def both_exit_zero(o, a):
    assert o.proc.returncode == 0, ("offerer exit", o.proc.returncode)
    assert a.proc.returncode == 0, ("answerer exit", a.proc.returncode)


def check_weft_offer_ping(o, a):
    both_exit_zero(o, a)
    offer = sdp_of(o, "offer")
    assert re.search(r"\r\nm=application \d+ UDP/DTLS/SCTP webrtc-datachannel\r\n", offer), offer
    assert "a=sctp-port:5000" in offer and "a=sctpmap" not in offer, offer
    answer = sdp_of(a, "answer")
    assert "a=setup:active" in answer, answer
    opened = o.one("open")
    # aiortc announces 64 KiB and Weft must take it as its send limit
    assert opened["max_message_size"] == 65536, opened
    # aiortc answered active (DTLS client): Weft, the server, opened on an odd id
    assert a.one("open")["id"] % 2 == 1, a.one("open")
    r = o.one("result")
    assert r["count"] == 200 and r["p50_us"] > 0, r


def check_aiortc_legacy_offer_types(o, a):
    both_exit_zero(o, a)
    offer = sdp_of(o, "offer")
    assert "DTLS/SCTP 5000" in offer and "a=sctpmap:5000 webrtc-datachannel" in offer, offer
    answer = sdp_of(a, "answer")
    # a legacy offer gets a legacy answer
    assert "DTLS/SCTP 5000" in answer and "a=sctpmap:5000 webrtc-datachannel" in answer, answer
    assert "a=sctp-port" not in answer, answer
    assert "a=setup:active" in answer, answer
    r = o.one("result")
    assert r["ok"], r
    # Weft answered active (client), so aiortc (server) opened on an odd id
    assert o.one("open")["id"] % 2 == 1, o.one("open")


def check_transfer(sender_is_offerer):
    def check(o, a):
        both_exit_zero(o, a)
        s, r = (o, a) if sender_is_offerer else (a, o)
        sent = s.one("result")
        got = r.one("result")
        assert sent["mode"] == "send" and sent["verified"], sent
        assert got["mode"] == "recv" and got["verified"], got
        assert got["bytes"] == sent["bytes"] > 0, (sent, got)
    return check


def check_weft_legacy_offer(o, a):
    both_exit_zero(o, a)
    offer = sdp_of(o, "offer")
    assert "DTLS/SCTP 5000" in offer and "a=sctpmap:5000" in offer, offer
    assert o.one("result")["count"] == 50


def check_limit_ok(o, a):
    both_exit_zero(o, a)
    r = o.one("result")
    assert r["size"] == 65536 and r["count"] == 10, r


def check_over_limit(o, a):
    # one byte over aiortc's announced limit: Weft refuses to send it
    assert o.proc.returncode != 0, ("offerer should fail", o.proc.returncode)
    assert not o.results("result"), o.lines
    assert "send failed" in o.stderr, o.stderr[-1000:]


case("weft offers, aiortc answers; ping",
     weft("--offer", "--mode", "ping", "--count", "200"), aiortc("--answer", "--mode", "echo"),
     check_weft_offer_ping)
case("aiortc offers (legacy SDP), weft answers; text/binary/empty/64 KiB messages",
     aiortc("--offer", "--mode", "types"), weft("--answer", "--mode", "echo"),
     check_aiortc_legacy_offer_types)
case("weft sends 8 MB to aiortc",
     weft("--offer", "--mode", "send", "--megabytes", "8"), aiortc("--answer", "--mode", "recv"),
     check_transfer(True))
case("aiortc sends 8 MB to weft",
     aiortc("--offer", "--mode", "send", "--megabytes", "8"), weft("--answer", "--mode", "recv"),
     check_transfer(True))
case("weft offers the legacy SDP form",
     weft("--offer", "--legacy-sdp", "--mode", "ping", "--count", "50"),
     aiortc("--answer", "--mode", "echo"), check_weft_legacy_offer)
case("65536-byte messages reach aiortc",
     weft("--offer", "--mode", "ping", "--count", "10", "--size", "65536"),
     aiortc("--answer", "--mode", "echo"), check_limit_ok)
case("65537-byte messages are refused",
     weft("--offer", "--mode", "ping", "--count", "10", "--size", "65537"),
     aiortc("--answer", "--mode", "echo", "--timeout", "15"), check_over_limit)

if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
