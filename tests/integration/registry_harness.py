# SPDX-License-Identifier: LGPL-2.1-or-later
"""Starts the real weft-registry from the build directory on a loopback port."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SECRET = "integration-test-secret-0123456789"

DEFAULT_KEYS = {
    "ak_admin": {"peer_id": "admin-1", "role": "admin"},
    "ak_alpha": {"peer_id": "alpha-sidecar", "role": "agent"},
    "ak_beta": {"peer_id": "beta-sidecar", "role": "agent"},
    "ak_gamma": {"peer_id": "gamma-sidecar", "role": "agent"},
    "ak_delta": {"peer_id": "delta-sidecar", "role": "agent"},
}


def registry_binary():
    path = os.environ.get("WEFT_REGISTRY")
    if not path:
        raise RuntimeError("WEFT_REGISTRY must name the weft-registry binary")
    return path


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        ctype = headers.get("Content-Type", "") if headers else ""
        self.json = None
        if body and ctype.startswith("application/json"):
            self.json = json.loads(body)

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.raw[:200])


class Registry:
    def __init__(self, keys=None, options=(), args=(), env=None, workdir=None, db=None,
                 dbus=False):
        self.dbus = dbus
        self.owns_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="weft-registry-test-")
        self.keys = DEFAULT_KEYS if keys is None else keys
        self.options = list(options)
        self.args = list(args)
        self.env = env or {}
        self.db = db or os.path.join(self.workdir, "registry.db")
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.workdir, "registry.log")

    # process control

    def start(self, timeout=15):
        keys_path = os.path.join(self.workdir, "api_keys.json")
        with open(keys_path, "w") as f:
            json.dump({"keys": self.keys}, f)
        port_file = os.path.join(self.workdir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        argv = [registry_binary(), "--listen", "127.0.0.1", "--port", "0",
                "--port-file", port_file, "--db", self.db, "--api-keys", keys_path]
        if not self.dbus:
            argv.append("--no-dbus")
        for opt in self.options:
            argv += ["-o", opt]
        argv += self.args
        env = dict(os.environ)
        env.pop("PORT", None)
        env["SIGNALING_SECRET"] = SECRET
        env["XDG_CONFIG_HOME"] = os.path.join(self.workdir, "config")
        env["G_MESSAGES_DEBUG"] = env.get("G_MESSAGES_DEBUG", "")
        env.update(self.env)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     cwd=self.workdir)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("weft-registry exited with %d:\n%s" %
                                   (self.proc.returncode, self.read_log()))
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        raise RuntimeError("weft-registry did not start:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        self.log.close()
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        self.stop()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # HTTP

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def ws_url(self):
        return "ws://127.0.0.1:%d/ws" % self.port

    def request(self, method, path, body=None, key=None, token=None, headers=None,
                raw=None, content_type="application/json", timeout=10):
        hdrs = {}
        if key is not None:
            hdrs["X-API-Key"] = key
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
        elif body is not None:
            data = json.dumps(body).encode()
        if data is not None and content_type is not None:
            hdrs["Content-Type"] = content_type
        if headers:
            hdrs.update(headers)
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return Response(resp.status, resp.headers, resp.read().decode())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read().decode())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def token(self, key):
        r = self.post("/api/token", key=key)
        assert r.status == 200, r
        return r.json["token"]

    def raw_http(self, data, timeout=5):
        """sends raw bytes, returns whatever the server answers before closing"""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            try:
                s.sendall(data)
            except OSError:
                pass
            chunks = []
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    if b"\r\n\r\n" in b"".join(chunks) and b"Connection: close" not in b"".join(chunks):
                        # keep-alive answer: the head is enough for the callers
                        head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                        length = 0
                        for line in head.split(b"\r\n"):
                            if line.lower().startswith(b"content-length:"):
                                length = int(line.split(b":")[1])
                        if len(rest) >= length:
                            break
            except OSError:
                pass
            return b"".join(chunks)


def agent_body(agent_id, skills=(), sidecar=None, **extra):
    body = {
        "agent_id": agent_id,
        "hostname": "host-" + agent_id,
        "sidecar_peer_id": sidecar if sidecar is not None else agent_id + "-sidecar",
        "capabilities": {"skills": list(skills), "mcp_servers": [], "goals_count": 0,
                         "mode": "interactive"},
    }
    body.update(extra)
    return body


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
