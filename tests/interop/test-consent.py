#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Consent on an open data channel, with two weft-dc-peer processes on
127.0.0.1 and WEFT_ICE_CONSENT_TIMEOUT=15: an idle connection outlives the
timeout (SCTP heartbeats keep it talking), and when the far process stops
answering (SIGSTOP) the near one gives the connection up within the timeout
plus one 5 s check, saying why.

usage: test-consent.py PATH/TO/weft-dc-peer"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

TOOL = sys.argv[1]
TIMEOUT_S = 15


class Peer:
    def __init__(self, args):
        env = dict(os.environ, WEFT_ICE_CONSENT_TIMEOUT=str(TIMEOUT_S))
        self.proc = subprocess.Popen([TOOL, "--timeout", "120", "--mode", "echo"] + args,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.events = []
        self.stderr = ""
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("{"):
                with self.cond:
                    self.events.append(json.loads(line))
                    self.cond.notify_all()

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def wait_event(self, kind, timeout=30):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [e for e in self.events if e.get("type") == kind]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                assert left > 0, ("no %r event" % kind, self.events)
                self.cond.wait(left)


def main():
    offerer = Peer(["--offer", "--listen", "0"])
    port = offerer.wait_event("listening")["port"]
    answerer = Peer(["--answer", "--connect", "127.0.0.1:%d" % port])
    try:
        offerer.wait_event("open")
        answerer.wait_event("open")

        # idle for longer than the timeout: nobody gives up
        time.sleep(TIMEOUT_S + 3)
        assert offerer.proc.poll() is None, ("offerer quit while idle", offerer.stderr)
        assert answerer.proc.poll() is None, ("answerer quit while idle", answerer.stderr)
        print("ok - an idle connection outlives the %d s consent timeout" % TIMEOUT_S)

        answerer.proc.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()
        rc = offerer.proc.wait(timeout=TIMEOUT_S + 20)
        elapsed = time.monotonic() - stopped
        time.sleep(0.2)
        assert rc != 0, ("offerer exit status", rc)
        assert "nothing from the peer for %d s" % TIMEOUT_S in offerer.stderr, offerer.stderr
        # counted from the last datagram heard, an SCTP heartbeat up to 10 s
        # before the stop; checked every 5 s
        assert TIMEOUT_S - 11 <= elapsed <= TIMEOUT_S + 7, elapsed
        print("ok - a silent peer is given up after %.1f s" % elapsed)
    finally:
        for p in (answerer, offerer):
            if p.proc.poll() is None:
                p.proc.send_signal(signal.SIGCONT)
                p.proc.kill()
                p.proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
