#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Interop between weft-dc-peer and headless Chromium on 127.0.0.1.

The test serves a small page and relays signalling between it and a Weft peer
over a loopback HTTP server of its own. Chromium as offerer (Weft answers and
echoes; the page checks text, binary, empty and 64 KiB messages and pings),
then Weft as offerer (the page answers and echoes Weft's pings). Runs in a
network namespace with only `lo` when `unshare -n` works here.

usage: test-chromium.py PATH/TO/weft-dc-peer"""
import http.server
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_util as iu  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = open(os.path.join(HERE, "chromium-page.html"), "rb").read()
CASE_TIMEOUT = 90


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def enter_netns():
    """Re-runs this script in a new network namespace that has only lo."""
    if os.environ.get("WEFT_INTEROP_NETNS") or os.environ.get("WEFT_INTEROP_NO_NETNS"):
        return
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip:
        return
    probe = subprocess.run([unshare, "-n", ip, "link", "set", "lo", "up"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        print("# unshare -n does not work here; running in the current namespace")
        return
    env = dict(os.environ, WEFT_INTEROP_NETNS="1")
    cmd = [unshare, "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
           sys.executable] + sys.argv
    sys.stdout.flush()
    os.execve(unshare, cmd, env)


class Relay:
    """State shared by the HTTP handler: messages each way and the page's log."""

    def __init__(self, weft):
        self.weft = weft
        self.from_weft = []
        self.cond = threading.Condition()
        self.log = []
        self.done = threading.Event()
        self.weft_lines = []

    def read_weft(self):
        for raw in self.weft.stdout:
            raw = raw.strip()
            if not raw.startswith("{"):
                continue
            msg = json.loads(raw)
            if msg.get("type") in iu.SIGNALLING:
                with self.cond:
                    self.from_weft.append(msg)
                    self.cond.notify_all()
            else:
                self.weft_lines.append(msg)

    def to_weft(self, msg):
        try:
            self.weft.stdin.write(json.dumps(msg) + "\n")
            self.weft.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass


def make_handler(relay):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, body, ctype="application/json"):
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                # the browser went away mid-poll, at the end of a case
                pass

        def do_GET(self):
            if self.path == "/" or self.path.startswith("/?"):
                self.reply(PAGE, "text/html; charset=utf-8")
            elif self.path.startswith("/from-weft"):
                n = int(self.path.split("n=")[1]) if "n=" in self.path else 0
                with relay.cond:
                    relay.cond.wait_for(lambda: len(relay.from_weft) > n, timeout=1.0)
                    msgs = relay.from_weft[n:]
                self.reply(json.dumps(msgs).encode())
            else:
                self.send_error(404)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            msg = json.loads(body or b"{}")
            if self.path == "/to-weft":
                relay.to_weft(msg)
            elif self.path == "/log":
                relay.log.append(msg)
                if msg.get("type") == "done":
                    relay.done.set()
            self.reply(b"{}")

    return Handler


def run_case(tool, chromium, role, weft_args):
    weft = subprocess.Popen([tool, "--timeout", "60"] + weft_args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    relay = Relay(weft)
    threading.Thread(target=relay.read_weft, daemon=True).start()
    weft_err = []
    threading.Thread(target=lambda: weft_err.append(weft.stderr.read()), daemon=True).start()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(relay))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/?role=%s" % (server.server_address[1], role)
    profile = tempfile.mkdtemp(prefix="weft-chromium-")
    browser = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
         "--allow-loopback-in-peer-connection",
         "--disable-features=WebRtcHideLocalIpsWithMdns", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=" + profile, url],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        relay.done.wait(CASE_TIMEOUT)
        try:
            weft.wait(timeout=20)
        except subprocess.TimeoutExpired:
            weft.kill()
            weft.wait()
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    time.sleep(0.2)
    return relay, weft.returncode, "".join(weft_err)


def main():
    tool = iu.find_peer_tool(sys.argv)
    chromium = find_chromium()
    if chromium is None:
        iu.skip("Chromium is not installed (Debian: apt install chromium)")
    enter_netns()
    failures = []

    def report(name, relay, rc, err, check):
        try:
            check(relay, rc)
            print("ok - " + name)
        except AssertionError as e:
            print("not ok - %s: %s" % (name, e))
            sys.stderr.write("page log:\n" + "\n".join(json.dumps(l) for l in relay.log) + "\n")
            sys.stderr.write("weft (exit %s):\n%s\n%s\n" % (
                rc, "\n".join(json.dumps(l) for l in relay.weft_lines), err[-3000:]))
            failures.append(name)

    def page(relay, kind):
        return [l for l in relay.log if l.get("type") == kind]

    def check_chromium_offers(relay, rc):
        errors = page(relay, "error")
        assert not errors, errors
        results = page(relay, "result")
        assert len(results) == 1, relay.log
        r = results[0]
        bad = [c for c in r["cases"] if not c["ok"]]
        assert not bad, bad
        assert r["pings"] == 200 and r["p50_us"] > 0, r
        # Weft answered active (DTLS client), so Chromium, the server, used an odd id
        assert r["id"] % 2 == 1, r
        # Weft announces 262144, as Chromium does
        assert r["maxMessageSize"] == 262144, r
        assert rc == 0, ("weft exit", rc)
        assert len(r["cases"]) == 8, r["cases"]
        print("# Chromium -> Weft: %d message checks passed, ping p50 %.0f us" % (
            len(r["cases"]), r["p50_us"]))

    def check_weft_offers(relay, rc):
        errors = page(relay, "error")
        assert not errors, errors
        assert rc == 0, ("weft exit", rc)
        result = [l for l in relay.weft_lines if l.get("type") == "result"]
        assert len(result) == 1 and result[0]["count"] == 200, relay.weft_lines
        opened = [l for l in relay.weft_lines if l.get("type") == "open"]
        assert len(opened) == 1 and opened[0]["max_message_size"] == 262144, opened
        # the page echoed every ping and warm-up, and saw Weft close the channel
        echoed = page(relay, "result")
        assert len(echoed) == 1 and echoed[0]["echoed"] == 220 and echoed[0].get("closed"), echoed
        page_open = page(relay, "open")
        # Chromium answered active (client): the channel Weft (server) opened is odd
        assert len(page_open) == 1 and page_open[0]["id"] % 2 == 1, page_open
        print("# Weft -> Chromium: ping p50 %s us" % result[0]["p50_us"])

    relay, rc, err = run_case(tool, chromium, "offer", ["--answer", "--mode", "echo"])
    report("Chromium offers, Weft answers and echoes", relay, rc, err, check_chromium_offers)
    relay, rc, err = run_case(tool, chromium, "answer",
                              ["--offer", "--mode", "ping", "--count", "200"])
    report("Weft offers, Chromium answers and echoes", relay, rc, err, check_weft_offers)
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
