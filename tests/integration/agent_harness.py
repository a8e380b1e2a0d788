# SPDX-License-Identifier: LGPL-2.1-or-later
"""Real weft-registry and weft-agent processes on loopback, for the agent tests.

Run under dbus-run-session so that agents own their org.weft.Agent1.<name> names
on a private session bus."""

import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SECRET = "agent-integration-secret-0123456789abcdef"
KEYS = {
    "ak_alpha": {"peer_id": "alpha", "role": "agent"},
    "ak_beta": {"peer_id": "beta", "role": "agent"},
    "ak_gamma": {"peer_id": "gamma", "role": "agent"},
    "ak_admin": {"peer_id": "admin", "role": "admin"},
}


def binary(var):
    path = os.environ.get(var)
    if not path:
        raise RuntimeError("%s must name the binary under test" % var)
    return path


def wait_for(cond, timeout=15.0, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting for %s" % what)


class Registry:
    def __init__(self, workdir, options=()):
        self.workdir = workdir
        self.db = os.path.join(workdir, "registry.db")
        self.keys = os.path.join(workdir, "api_keys.json")
        self.port_file = os.path.join(workdir, "registry.port")
        self.log = os.path.join(workdir, "registry.log")
        self.options = list(options)
        self.port = 0
        self.proc = None
        with open(self.keys, "w") as f:
            json.dump({"keys": KEYS}, f)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        args = [binary("WEFT_REGISTRY"), "--dev", "--no-dbus", "--listen", "127.0.0.1",
                "--port", str(self.port), "--port-file", self.port_file, "--db", self.db,
                "--api-keys", self.keys]
        for opt in self.options:
            args += ["-o", opt]
        env = dict(os.environ, SIGNALING_SECRET=SECRET)
        env.pop("PORT", None)
        env.pop("API_KEYS_FILE", None)
        # the child keeps its own descriptor of the log
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("weft-registry exited: see %s" % self.log)
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                return text if text else None
            except FileNotFoundError:
                return None

        self.port = int(wait_for(ready, what="registry port"))

    def stop(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)
            self.proc = None

    def request(self, method, path, body=None, key="ak_admin"):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if key:
            req.add_header("X-API-Key", key)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw

    def agent(self, name):
        status, body = self.request("GET", "/api/registry/agents/" + name)
        return body if status == 200 else None

    def submit(self, skill, message, target="", key="ak_gamma", ttl=120):
        status, body = self.request("POST", "/api/hub/tasks",
                                    {"skill": skill, "target_agent_id": target,
                                     "source_agent_id": "gamma",
                                     "payload": {"message": message}, "ttl": ttl}, key=key)
        assert status == 200, body
        return body["task_id"]

    def task(self, task_id):
        status, body = self.request("GET", "/api/hub/tasks/" + task_id)
        assert status == 200, body
        return body

    def wait_task(self, task_id, timeout=20.0):
        def done():
            t = self.task(task_id)
            return t if t["state"] in ("completed", "failed", "cancelled") else None
        return wait_for(done, timeout=timeout, what="task %s" % task_id)


SKILLS = {
    "echo": "cat",
    "upper": "tr a-z A-Z",
    "fail": "echo boom >&2; exit 3",
    "slowecho": "sleep 3; cat",
    "garbage": "printf '\\377\\376'",
    "flood": "head -c 3000000 /dev/zero | tr '\\0' x",
    "hang": "sleep 60",
}


class Agent:
    def __init__(self, workdir, registry, name, key, builtin=(), skills=(), extra=""):
        self.name = name
        self.registry = registry
        self.dir = os.path.join(workdir, name)
        self.log = os.path.join(self.dir, "agent.log")
        self.proc = None
        os.makedirs(self.dir, exist_ok=True)
        for skill in skills:
            sdir = os.path.join(self.dir, "skills", skill)
            os.makedirs(sdir, exist_ok=True)
            with open(os.path.join(sdir, "skill.json"), "w") as f:
                json.dump({"name": skill, "description": "test", "version": "1.0.0",
                           "category": "test",
                           "parameters": {"message": {"type": "string", "required": False}}}, f)
            run = os.path.join(sdir, "run")
            with open(run, "w") as f:
                f.write("#!/bin/sh\n%s\n" % SKILLS[skill])
            os.chmod(run, 0o755)
        self.manifest = os.path.join(self.dir, "agent.yaml")
        with open(self.manifest, "w") as f:
            f.write("name: %s\nregistry: %s\nskills:\n  builtin: [%s]\n  dirs: [%s]\n"
                    "weft:\n  api_key: %s\n  task_timeout: 5\n%s"
                    % (name, registry.url, ", ".join(builtin),
                       ", ".join("skills/" + s for s in skills), key, extra))

    @property
    def bus_name(self):
        return "org.weft.Agent1." + self.name

    def start(self, *args, wait=True):
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([binary("WEFT_AGENT")] + list(args) + [self.manifest],
                                         stdout=log, stderr=subprocess.STDOUT)
        if wait:
            wait_for(lambda: self.registry.agent(self.name), what="%s registered" % self.name)
            wait_for(self.on_bus, what="%s on the bus" % self.name)
            wait_for(lambda: "signaling connected" in self.read_log() or "--no-push" in args,
                     what="%s signaling" % self.name)
        return self

    def read_log(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def on_bus(self):
        r = subprocess.run(["gdbus", "call", "--session", "-d", "org.freedesktop.DBus",
                            "-o", "/org/freedesktop/DBus", "-m",
                            "org.freedesktop.DBus.NameHasOwner", self.bus_name],
                           capture_output=True, text=True)
        return "true" in r.stdout

    def stop(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=20)
        self.proc = None
        return code

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None


def gdbus(name, method, *args, timeout=30):
    """Calls org.weft.Agent1.METHOD on the agent NAME with gdbus; returns (ok, output)."""
    cmd = ["gdbus", "call", "--session", "-d", name, "-o", "/org/weft/Agent1", "-m",
           "org.weft.Agent1." + method, "--timeout", str(timeout)] + [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 10)
    return r.returncode == 0, (r.stdout + r.stderr).strip()


def gvariant_string(output):
    """The single string of a gdbus reply such as ('text',)."""
    from gi.repository import GLib
    return GLib.Variant.parse(None, output, None, None).unpack()[0]


class Workdir:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="weft-agent-it-")

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)
