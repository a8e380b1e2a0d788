# SPDX-License-Identifier: LGPL-2.1-or-later
"""Configuration, refusal to start with the development secret, socket activation."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_harness import Registry, registry_binary  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_text(path):
    with open(path) as f:
        return f.read()


def get_json(url, timeout=5, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


class TestStartup(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="weft-registry-startup-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.env = dict(os.environ)
        for var in ("SIGNALING_SECRET", "PORT", "API_KEYS_FILE", "TURN_URL", "TURN_SECRET"):
            self.env.pop(var, None)
        self.env["XDG_CONFIG_HOME"] = os.path.join(self.dir, "config")
        self.env["XDG_STATE_HOME"] = os.path.join(self.dir, "state")

    def run_registry(self, *args, env=None, timeout=10):
        return subprocess.run([registry_binary(), "--no-dbus"] + list(args), env=env or self.env,
                              capture_output=True, text=True, timeout=timeout, cwd=self.dir)

    def test_refuses_without_secret(self):
        r = self.run_registry("--port", "0")
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("SIGNALING_SECRET", r.stderr)
        self.assertIn("--dev", r.stderr)

    def test_refuses_dev_secret(self):
        env = dict(self.env, SIGNALING_SECRET="dev-secret-change-me")
        r = self.run_registry("--port", "0", env=env)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("dev-secret-change-me", r.stderr)

    def test_bad_settings(self):
        env = dict(self.env, SIGNALING_SECRET="s" * 32)
        for args in (("--anonymous", "everyone"), ("-o", "timings.nope=1"),
                     ("-o", "timings.health-stale-after=abc"), ("--tls-cert", "/nonexistent"),
                     ("-o", "timings.health-stale-after=500"), ("stray",)):
            r = self.run_registry(*args, env=env)
            self.assertEqual(r.returncode, 2, (args, r))
            self.assertTrue(r.stderr.strip(), args)
        r = self.run_registry(env=dict(env, PORT="eighty"))
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("PORT", r.stderr)

    def test_port_in_use(self):
        env = dict(self.env, SIGNALING_SECRET="s" * 32)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            r = self.run_registry("--listen", "127.0.0.1", "--port", str(port), env=env)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("%d" % port, r.stderr)
        self.assertIn("--port", r.stderr)

    def test_dev_mode_on_default_database(self):
        """the README's run command: --dev on a fresh default database"""
        port = free_port()
        proc = subprocess.Popen([registry_binary(), "--dev", "--no-dbus", "--listen",
                                 "127.0.0.1", "--port", str(port)], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.dir)
        try:
            deadline = time.time() + 10
            while True:
                try:
                    self.assertEqual(get_json("http://127.0.0.1:%d/healthz" % port)["status"],
                                     "ok")
                    break
                except OSError:
                    if time.time() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.05)
            # the built-in dev key works only in --dev mode
            req = urllib.request.Request("http://127.0.0.1:%d/api/token" % port, data=b"",
                                         method="POST", headers={"X-API-Key": "ak_dev_001"})
            with urllib.request.urlopen(req, timeout=5) as r:
                self.assertEqual(json.loads(r.read())["peer_id"], "agent-001")
            self.assertTrue(os.path.exists(os.path.join(self.dir, "state", "weft", "registry.db")))
        finally:
            proc.send_signal(signal.SIGTERM)
            out = proc.communicate(timeout=10)[0]
        self.assertEqual(proc.returncode, 0, out)

    def test_without_session_bus(self):
        """D-Bus is on by default; with no session bus the registry serves and stops cleanly"""
        env = dict(self.env, SIGNALING_SECRET="s" * 32, G_DEBUG="fatal-criticals",
                   DBUS_SESSION_BUS_ADDRESS="unix:path=" + os.path.join(self.dir, "no-bus"))
        port_file = os.path.join(self.dir, "port")
        proc = subprocess.Popen([registry_binary(), "--listen", "127.0.0.1", "--port", "0",
                                 "--port-file", port_file], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, cwd=self.dir)
        try:
            deadline = time.time() + 10
            while not (os.path.exists(port_file) and read_text(port_file).strip()):
                self.assertIsNone(proc.poll())
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            port = int(read_text(port_file))
            self.assertEqual(get_json("http://127.0.0.1:%d/healthz" % port)["status"], "ok")
        finally:
            proc.send_signal(signal.SIGTERM)
            out = proc.communicate(timeout=10)[0].decode(errors="replace")
        self.assertEqual(proc.returncode, 0, out)
        self.assertNotIn("CRITICAL", out)

    def test_keyfile_and_environment(self):
        port = free_port()
        conf = os.path.join(self.dir, "weft-registry.conf")
        with open(conf, "w") as f:
            f.write("[registry]\nlisten=127.0.0.1\nport=1\nsecret=from-the-keyfile-0123456789\n"
                    "anonymous=loopback\n[turn]\nurl=turn:t.example:3478\nsecret=x\n")
        # PORT from the environment beats the keyfile
        reg_env = dict(self.env, PORT=str(port))
        proc = subprocess.Popen([registry_binary(), "--no-dbus", "-c", conf, "--db",
                                 os.path.join(self.dir, "r.db")], env=reg_env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.dir)
        try:
            deadline = time.time() + 10
            while True:
                try:
                    cfg = get_json("http://127.0.0.1:%d/api/config" % port)
                    break
                except OSError:
                    if time.time() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.05)
            self.assertEqual(cfg["iceServers"][1]["urls"], ["turn:t.example:3478"])
            # anonymous=loopback from the keyfile
            self.assertEqual(get_json("http://127.0.0.1:%d/api/hub/tasks/all" % port), [])
        finally:
            proc.send_signal(signal.SIGINT)
            out = proc.communicate(timeout=10)[0]
        self.assertEqual(proc.returncode, 0, out)

    @unittest.skipUnless(shutil.which("systemd-socket-activate"), "needs systemd-socket-activate")
    def test_socket_activation(self):
        port = free_port()
        proc = subprocess.Popen(["systemd-socket-activate", "-E", "SIGNALING_SECRET=" + "k" * 32,
                                 "-E", "XDG_STATE_HOME=" + self.env["XDG_STATE_HOME"],
                                 "-l", "127.0.0.1:%d" % port, registry_binary(), "--no-dbus",
                                 "--db", os.path.join(self.dir, "sa.db")],
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=self.dir)
        try:
            deadline = time.time() + 10
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.05)
            self.assertEqual(get_json("http://127.0.0.1:%d/healthz" % port, timeout=10)["status"],
                             "ok")
        finally:
            proc.send_signal(signal.SIGTERM)
            out = proc.communicate(timeout=10)[0]
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn(b"Listening on http://127.0.0.1:%d" % port, out)


class TestTls(unittest.TestCase):
    @unittest.skipUnless(shutil.which("openssl"), "needs openssl")
    def test_https_and_wss(self):
        d = tempfile.mkdtemp(prefix="weft-registry-tls-")
        self.addCleanup(shutil.rmtree, d, True)
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        reg = Registry(args=("--tls-cert", cert, "--tls-key", key)).start()
        self.addCleanup(reg.cleanup)
        import ssl
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        with urllib.request.urlopen("https://127.0.0.1:%d/healthz" % reg.port, context=ctx,
                                    timeout=5) as r:
            self.assertEqual(json.loads(r.read())["status"], "ok")
        with self.assertRaises(OSError):
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % reg.port, timeout=3).read()

        import asyncio
        import websockets
        req = urllib.request.Request("https://127.0.0.1:%d/api/token" % reg.port, data=b"",
                                     method="POST", headers={"X-API-Key": "ak_alpha"})
        with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
            token = json.loads(r.read())["token"]

        async def wss():
            async with websockets.connect("wss://127.0.0.1:%d/ws?token=%s" % (reg.port, token),
                                          ssl=ctx) as ws:
                await ws.send(json.dumps({"type": "register", "peer_id": "alpha-sidecar"}))
                return json.loads(await asyncio.wait_for(ws.recv(), 5))

        self.assertEqual(asyncio.run(wss())["type"], "peer_list")


if __name__ == "__main__":
    unittest.main(verbosity=2)
