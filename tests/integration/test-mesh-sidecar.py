#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Weft peer (weft-mesh-node) accepts the offer of a chatixia-sidecar-like
aiortc peer (tests/interop/chatixia_sidecar.py) through the real registry and
answers its task_request; the Weft peer then asks the sidecar over the same
channel.  Skips (77) when aiortc is missing."""

import json
import os
import queue
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from registry_harness import Registry  # noqa: E402

SIDECAR = os.path.join(HERE, "..", "interop", "chatixia_sidecar.py")
PYTHON = "/usr/bin/python3"

KEYS = {
    "ak_admin": {"peer_id": "admin-1", "role": "admin"},
    "ak_weft": {"peer_id": "weft-1", "role": "agent"},
    "ak_py": {"peer_id": "py-sidecar", "role": "agent"},
}


class Lines:
    """JSON lines of a child's stdout, read on a thread."""

    def __init__(self, proc):
        self.proc = proc
        self.q = queue.Queue()
        self.all = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            self.all.append(obj)
            self.q.put(obj)
        self.q.put(None)

    def wait(self, pred, timeout=30):
        while True:
            obj = self.q.get(timeout=timeout)
            if obj is None:
                raise AssertionError("process ended while waiting; saw %r" % self.all)
            if pred(obj):
                return obj


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok -", what)


def run(node_bin, reg, candidates_first):
    node = subprocess.Popen([node_bin, "--registry", reg.base, "--api-key", "ak_weft",
                             "--name", "weft-1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    events = Lines(node)
    try:
        events.wait(lambda e: e.get("event") == "ready")
        argv = [PYTHON, SIDECAR, "--registry", reg.base, "--api-key", "ak_py",
                "--target", "weft-1", "--target-agent", "weft-1", "--repeat", "--linger", "3"]
        if candidates_first:
            argv.append("--candidates-first")
        sidecar = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        side = Lines(sidecar)
        opened = side.wait(lambda e: e.get("event") == "open", timeout=40)
        check(opened["label"] == "mesh" and opened["ordered"], "the sidecar's mesh channel opens")
        first = side.wait(lambda e: e.get("event") == "task_response")
        check(first["request_id"] == first["sent_id"], "task_response echoes the request_id")
        check(first["payload"] == {"result": "weft-1:hello from chatixia", "error": "",
                                   "status": "completed", "chunks": 0},
              "the Weft peer answers the chatixia task_request")
        check(first["source_agent"] == "weft-1" and first["target_agent"] == "py-agent",
              "task_response names both agents")
        again = side.wait(lambda e: e.get("event") == "task_response")
        check(again["payload"]["result"] == "weft-1:hello from chatixia",
              "a repeated request id gets the same answer")
        # the other way: Weft asks the sidecar over the channel it accepted
        node.stdin.write(json.dumps({"cmd": "request", "peer": "py-sidecar", "skill": "py_echo",
                                     "message": "hi", "tag": "back"}) + "\n")
        node.stdin.flush()
        back = events.wait(lambda e: e.get("event") == "result" and e.get("tag") == "back")
        check(back["ok"] and back["result"] == "py:hi", "the sidecar answers the Weft peer")
        check(back["route"]["path"] == "direct" and back["route"]["reason"] == "open channel",
              "the Weft request took the open channel")
        sidecar.wait(timeout=30)
        check(sidecar.returncode == 0, "the sidecar exits cleanly")
        executed = [e for e in events.all if e.get("event") == "executed"]
        check(len(executed) == 1, "the repeated request ran once on the Weft side")
    finally:
        node.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
        node.stdin.flush()
        node.wait(timeout=10)


def main():
    node_bin = sys.argv[1]
    probe = subprocess.run([PYTHON, "-c", "import aiortc, websockets"], capture_output=True)
    if probe.returncode != 0:
        print("skipping: /usr/bin/python3 has no aiortc or websockets")
        return 77
    reg = Registry(keys=KEYS)
    reg.start()
    try:
        run(node_bin, reg, candidates_first=False)
        run(node_bin, reg, candidates_first=True)
    finally:
        reg.stop()
        reg.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
