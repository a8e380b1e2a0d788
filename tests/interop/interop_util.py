# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs two data channel peers that speak weft-dc-peer's JSON-lines signalling
over their stdin/stdout, relays the signalling between them and keeps
everything else they print for the test to check."""
import json
import os
import shutil
import subprocess
import sys
import threading

SIGNALLING = ("offer", "answer", "candidate", "end-of-candidates", "ready")
SKIP = 77


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(SKIP)


def find_peer_tool(argv):
    tool = argv[1] if len(argv) > 1 else os.environ.get("WEFT_DC_PEER", "")
    if not tool or not os.access(tool, os.X_OK):
        skip("the weft-dc-peer tool is missing (%r); build tests/interop/weft-dc-peer" % tool)
    return tool


def require_aiortc():
    try:
        import aiortc  # noqa: F401
    except ImportError:
        skip("aiortc is not installed for %s (Debian: apt install python3-aiortc)" % sys.executable)


class Side:
    def __init__(self, name, cmd, env=None):
        self.name = name
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.lines = []       # everything printed that is not signalling
        self.signals = []     # signalling it sent, after filtering
        self.stderr = ""
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._err.start()

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def results(self, kind):
        return [l for l in self.lines if l.get("type") == kind]

    def one(self, kind):
        found = self.results(kind)
        assert len(found) == 1, (self.name, kind, self.lines, self.stderr[-2000:])
        return found[0]


def _pump(src, dst, rewrite):
    for raw in src.proc.stdout:
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        try:
            msg = json.loads(raw)
        except ValueError:
            continue
        if msg.get("type") in SIGNALLING:
            if rewrite is not None:
                msg = rewrite(src.name, msg)
                if msg is None:
                    continue
            src.signals.append(msg)
            try:
                dst.proc.stdin.write(json.dumps(msg) + "\n")
                dst.proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass
        else:
            src.lines.append(msg)
    try:
        dst.proc.stdin.close()
    except (BrokenPipeError, ValueError):
        pass


def run_pair(offer_cmd, answer_cmd, timeout=120, rewrite=None, env=None):
    """Starts both peers, relays signalling (through rewrite(side, msg), which
    may change or drop a message) and waits for both to exit."""
    offerer = Side("offerer", offer_cmd, env)
    answerer = Side("answerer", answer_cmd, env)
    threads = [threading.Thread(target=_pump, args=(offerer, answerer, rewrite), daemon=True),
               threading.Thread(target=_pump, args=(answerer, offerer, rewrite), daemon=True)]
    for t in threads:
        t.start()
    for side in (offerer, answerer):
        try:
            side.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            side.proc.kill()
            side.proc.wait()
    for t in threads:
        t.join(timeout=10)
    offerer._err.join(timeout=5)
    answerer._err.join(timeout=5)
    return offerer, answerer


def show(side):
    sys.stderr.write("---- %s: %s (exit %s)\n" % (side.name, " ".join(side.cmd), side.proc.returncode))
    for l in side.lines:
        sys.stderr.write("  %s\n" % json.dumps(l))
    if side.stderr:
        sys.stderr.write("  stderr: " + side.stderr[-3000:].replace("\n", "\n  ") + "\n")


def which(name):
    return shutil.which(name)
