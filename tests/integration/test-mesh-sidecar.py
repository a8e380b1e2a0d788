#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Weft peer (weft-mesh-node) accepts the offer of a chatixia-sidecar-like
aiortc peer (tests/interop/chatixia_sidecar.py) through the real registry and
answers its task_request; the Weft peer then asks the sidecar over the same
channel.  Then a real weft-agent process (D-Bus off, a manifest and an
executable skill in a temporary directory) does the same for the sidecar.
Skips (77) when aiortc is missing."""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from registry_harness import Registry  # noqa: E402

SIDECAR = os.path.join(HERE, "..", "interop", "chatixia_sidecar.py")
PYTHON = "/usr/bin/python3"

KEYS = {
    "ak_admin": {"peer_id": "admin-1", "role": "admin"},
    "ak_weft": {"peer_id": "weft-1", "role": "agent"},
    "ak_py": {"peer_id": "py-sidecar", "role": "agent"},
    "ak_agent": {"peer_id": "wagent", "role": "agent"},
}

# the agent's skill: its arguments (a JSON object on stdin) in capitals
SHOUT_JSON = {"name": "shout", "description": "capitals", "version": "1.0.0",
              "category": "test", "parameters": {"message": {"type": "string"}}}


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


def agent_binary(node_bin):
    """weft-agent of the same build tree (WEFT_AGENT when meson sets it)."""
    if os.environ.get("WEFT_AGENT"):
        return os.environ["WEFT_AGENT"]
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(node_bin))))
    return os.path.join(build, "src", "agent", "weft-agent")


def wait_until(pred, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def run_agent(agent_bin, reg):
    """The sidecar offers to a weft-agent process, which answers its
    task_request with an executable skill over the DataChannel."""
    work = tempfile.mkdtemp(prefix="weft-mesh-sidecar-")
    log_path = os.path.join(work, "agent.log")
    sdir = os.path.join(work, "skills", "shout")
    os.makedirs(sdir)
    with open(os.path.join(sdir, "skill.json"), "w") as f:
        json.dump(SHOUT_JSON, f)
    with open(os.path.join(sdir, "run"), "w") as f:
        f.write("#!/bin/sh\ntr a-z A-Z\n")
    os.chmod(os.path.join(sdir, "run"), 0o755)
    manifest = os.path.join(work, "agent.yaml")
    with open(manifest, "w") as f:
        f.write("name: wagent\nregistry: %s\nskills:\n  builtin: []\n  dirs: [skills/shout]\n"
                "weft:\n  api_key: ak_agent\n  dbus: false\n  device_token_file: %s/none\n"
                % (reg.base, work))
    env = dict(os.environ, WEFT_MESH_LOOPBACK="1")
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    log = open(log_path, "w")
    agent = subprocess.Popen([agent_bin, manifest], stdout=log, stderr=subprocess.STDOUT,
                             env=env)

    def read_log():
        with open(log_path, errors="replace") as f:
            return f.read()
    try:
        wait_until(lambda: "signaling connected" in read_log() or agent.poll() is not None,
                   "weft-agent on signaling")
        check(agent.poll() is None, "weft-agent runs with D-Bus off")
        argv = [PYTHON, SIDECAR, "--registry", reg.base, "--api-key", "ak_py",
                "--target", "wagent", "--target-agent", "wagent", "--skill", "shout",
                "--repeat", "--linger", "0.5"]
        sidecar = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        side = Lines(sidecar)
        opened = side.wait(lambda e: e.get("event") == "open", timeout=40)
        check(opened["label"] == "mesh" and opened["ordered"],
              "the sidecar's mesh channel to weft-agent opens")
        first = side.wait(lambda e: e.get("event") == "task_response")
        check(first["request_id"] == first["sent_id"], "weft-agent echoes the request_id")
        check(first["payload"] == {"result": '{"MESSAGE":"HELLO FROM CHATIXIA"}', "error": "",
                                   "status": "completed", "chunks": 0},
              "weft-agent runs the skill for the chatixia task_request")
        check(first["source_agent"] == "wagent" and first["target_agent"] == "py-agent",
              "weft-agent's task_response names both agents")
        again = side.wait(lambda e: e.get("event") == "task_response")
        check(again["payload"]["result"] == first["payload"]["result"],
              "a repeated request id gets the same answer from weft-agent")
        sidecar.wait(timeout=30)
        check(sidecar.returncode == 0, "the sidecar exits cleanly")
        check(read_log().count("mesh: running shout for py-agent") == 1,
              "the repeated request ran once in weft-agent")
        tasks = reg.get("/api/hub/tasks/all", key="ak_admin")
        check(tasks.status == 200 and tasks.json == [], "no task went through the registry queue")
    finally:
        if agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
        code = agent.wait(timeout=20)
        log.close()
        if code != 0:
            sys.stderr.write(read_log())
        shutil.rmtree(work, ignore_errors=True)
    check(code == 0, "weft-agent exits 0 on SIGTERM")


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
        run_agent(agent_binary(node_bin), reg)
    finally:
        reg.stop()
        reg.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
