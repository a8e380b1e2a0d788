#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# runs two weft-dc-peer processes against each other on 127.0.0.1 and checks
# what they report: a ping run, a checksummed transfer, the legacy SDP form,
# stdin/stdout signalling and a max-message-size announcement
import json
import subprocess
import sys
import threading

TOOL = sys.argv[1]
TIMEOUT = 90


def read_json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def run_tcp(offer_args, answer_args):
    offerer = subprocess.Popen([TOOL, "--offer", "--listen", "0", "--timeout", "60"] + offer_args,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = json.loads(offerer.stdout.readline())
    assert first["type"] == "listening", first
    answerer = subprocess.Popen([TOOL, "--answer", "--connect", "127.0.0.1:%d" % first["port"],
                                 "--timeout", "60"] + answer_args,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out_o, err_o = offerer.communicate(timeout=TIMEOUT)
    out_a, err_a = answerer.communicate(timeout=TIMEOUT)
    sys.stderr.write(err_o + err_a)
    assert offerer.returncode == 0, ("offerer", offerer.returncode, err_o)
    assert answerer.returncode == 0, ("answerer", answerer.returncode, err_a)
    return read_json_lines(out_o), read_json_lines(out_a)


def result(lines):
    found = [l for l in lines if l["type"] == "result"]
    assert len(found) == 1, lines
    return found[0]


def opened(lines):
    found = [l for l in lines if l["type"] == "open"]
    assert len(found) == 1, lines
    return found[0]


def pump(src, dst, log):
    # forwards signalling lines and keeps the rest (results) for checking
    for line in src:
        if line.startswith("{") and json.loads(line)["type"] in (
                "offer", "answer", "candidate", "end-of-candidates"):
            dst.write(line)
            dst.flush()
        else:
            log.append(line)
    try:
        dst.close()
    except BrokenPipeError:
        pass


def run_stdio(offer_args, answer_args):
    offerer = subprocess.Popen([TOOL, "--offer", "--timeout", "60"] + offer_args,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    answerer = subprocess.Popen([TOOL, "--answer", "--timeout", "60"] + answer_args,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    log_o, log_a = [], []
    threads = [threading.Thread(target=pump, args=(offerer.stdout, answerer.stdin, log_o)),
               threading.Thread(target=pump, args=(answerer.stdout, offerer.stdin, log_a))]
    for t in threads:
        t.start()
    assert offerer.wait(timeout=TIMEOUT) == 0
    assert answerer.wait(timeout=TIMEOUT) == 0
    for t in threads:
        t.join(timeout=10)
    return read_json_lines("".join(log_o)), read_json_lines("".join(log_a))


def main():
    # ping: the answerer echoes
    o, a = run_tcp(["--mode", "ping", "--count", "200"], ["--mode", "echo"])
    r = result(o)
    assert r["count"] == 200 and r["size"] == 100, r
    assert 0 < r["p50_us"] <= r["p99_us"], r
    opened(a)
    print("ping: p50 %d us, p99 %d us" % (r["p50_us"], r["p99_us"]))

    # checksummed transfer, offerer sends
    o, a = run_tcp(["--mode", "send", "--megabytes", "20"], ["--mode", "recv"])
    assert result(o)["verified"] and result(a)["verified"], (o, a)
    assert result(a)["bytes"] == 20 * 1000 * 1000
    print("send: %.1f MB/s" % result(o)["mb_per_s"])

    # 16000-byte SCTP packets on the loopback path, both ends asking for them
    o, a = run_tcp(["--mode", "send", "--megabytes", "20", "--large-packets"],
                   ["--mode", "recv", "--large-packets"])
    assert result(o)["verified"] and result(a)["verified"], (o, a)
    print("send, large packets: %.1f MB/s" % result(o)["mb_per_s"])

    # the answerer sends, in 16 KiB messages, with the legacy SDP offered
    o, a = run_tcp(["--mode", "recv", "--legacy-sdp"], ["--mode", "send", "--megabytes", "5",
                                                         "--size", "16384"])
    assert result(o)["verified"] and result(a)["verified"], (o, a)

    # stdin/stdout signalling and an announced limit
    o, a = run_stdio(["--mode", "ping", "--count", "50"],
                     ["--mode", "echo", "--max-message-size", "100000"])
    assert opened(o)["max_message_size"] == 100000, o
    assert result(o)["count"] == 50
    print("5 passed, 0 failed")


if __name__ == "__main__":
    main()
