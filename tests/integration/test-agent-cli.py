# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every weft CLI verb: exit status, text and --json output."""

import json
import os
import stat
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_harness import Agent, Registry, Workdir, wait_for  # noqa: E402


def weft(*args, cwd=None, timeout=60):
    r = subprocess.run([os.environ["WEFT_CLI"]] + list(args), capture_output=True, text=True,
                       cwd=cwd, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Workdir()
        cls.reg = Registry(cls.work.path)
        cls.reg.start()
        cls.alpha = Agent(cls.work.path, cls.reg, "alpha", "ak_alpha", skills=["upper"])
        cls.alpha.start()
        cls.r = ["--registry", cls.reg.url, "--api-key", "ak_admin"]

    @classmethod
    def tearDownClass(cls):
        if cls.alpha.proc is not None:
            cls.alpha.stop()
        cls.reg.stop()
        cls.work.cleanup()

    def test_usage(self):
        code, out, err = weft()
        self.assertEqual(code, 2)
        self.assertIn("Verbs:", out)
        code, out, err = weft("frobnicate")
        self.assertEqual(code, 2)
        self.assertIn("weft --help", err)
        code, out, err = weft("--version")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("weft "))

    def test_init_and_validate(self):
        d = os.path.join(self.work.path, "newagent")
        code, out, err = weft("init", "newagent", "--dir", d, "--json")
        self.assertEqual(code, 0, err)
        info = json.loads(out)
        self.assertEqual(info["name"], "newagent")
        for f in ("agent.yaml", "AGENT.md", ".gitignore", "skills/hello/skill.json",
                  "skills/hello/run"):
            self.assertTrue(os.path.exists(os.path.join(d, f)), f)
        self.assertTrue(os.stat(os.path.join(d, "skills/hello/run")).st_mode & stat.S_IXUSR)
        code, out, err = weft("init", "newagent", "--dir", d)
        self.assertEqual(code, 1)
        self.assertIn("already exists", err)

        code, out, err = weft("validate", d)
        self.assertEqual(code, 0, err)
        self.assertTrue(out.startswith("OK: "))
        self.assertIn("hello", out)
        code, out, err = weft("validate", d, "--json")
        self.assertEqual(json.loads(out)["valid"], True)

        bad = os.path.join(self.work.path, "bad.yaml")
        with open(bad, "w") as f:
            f.write("name: ''\nprovider: nope\nweft:\n  max_concurrent_tasks: 0\n")
        code, out, err = weft("validate", bad)
        self.assertEqual(code, 1)
        self.assertIn("error", out)
        self.assertIn("bad.yaml:2:", out)
        code, out, err = weft("validate", bad, "--json")
        self.assertEqual(code, 1)
        self.assertFalse(json.loads(out)["valid"])
        self.assertGreaterEqual(len(json.loads(out)["errors"]), 2)
        code, out, err = weft("validate", os.path.join(self.work.path, "missing.yaml"))
        self.assertEqual(code, 1)

    def test_agents_and_route(self):
        code, out, err = weft("agents", *self.r)
        self.assertEqual(code, 0, err)
        self.assertIn("alpha", out)
        code, out, err = weft("agents", "--json", *self.r)
        self.assertEqual([a["agent_id"] for a in json.loads(out)], ["alpha"])
        code, out, err = weft("route", "upper", *self.r)
        self.assertEqual(code, 0, err)
        self.assertIn("alpha", out)
        code, out, err = weft("route", "upper", "--json", *self.r)
        self.assertEqual(json.loads(out)["agent_id"], "alpha")
        code, out, err = weft("route", "teleport", "--json", *self.r)
        self.assertEqual(code, 1)
        self.assertEqual(json.loads(out)["code"], "org.weft.Error.NotFound")
        code, out, err = weft("route", *self.r)
        self.assertEqual(code, 2)

    def test_registry_unreachable(self):
        code, out, err = weft("agents", "--registry", "http://127.0.0.1:9")
        self.assertEqual(code, 1)
        self.assertIn("weft-registry", err)
        code, out, err = weft("agents", "--json", "--registry", "http://127.0.0.1:9")
        self.assertEqual(json.loads(out)["code"], "org.weft.Error.Unavailable")

    def test_broken_registry_answers(self):
        """a server that answers with JSON nested deeper than allowed, or with a
        truncated body: a clear error, no crash"""
        import http.server
        import threading

        bodies = iter(["[" * 200000, '{"a":' * 40000, '[{"agent_id": "x"', "[" * 129])

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = next(bodies).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = "http://127.0.0.1:%d" % server.server_port
            for expected in ("nested deeper than 128", "nested deeper than 128",
                             "not valid JSON", "nested deeper than 128"):
                code, out, err = weft("agents", "--registry", url)
                self.assertEqual(code, 1, err)
                self.assertIn(expected, err)
        finally:
            server.shutdown()
            server.server_close()

    def test_session_bus_unreachable(self):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="unix:path=" +
                   os.path.join(self.work.path, "no-bus"))
        for verb in (["status"], ["invoke", "upper", "{}"]):
            r = subprocess.run([os.environ["WEFT_CLI"]] + verb, capture_output=True, text=True,
                               env=env, timeout=60)
            self.assertEqual(r.returncode, 1, verb)
            self.assertIn("Cannot reach the session bus that local agents use", r.stderr, verb)

    def test_invoke_delegate_send_broadcast(self):
        code, out, err = weft("invoke", "upper", '{"message": "cli"}')
        self.assertEqual(code, 0, err)
        self.assertEqual(out.strip(), '{"MESSAGE":"CLI"}')
        code, out, err = weft("invoke", "--agent", "alpha", "upper", '{"message": "j"}', "--json")
        self.assertEqual(json.loads(out)["result_json"], {"MESSAGE": "J"})
        code, out, err = weft("invoke", "--agent", "nobody", "upper")
        self.assertEqual(code, 1)
        self.assertIn("weft status", err)
        code, out, err = weft("invoke", "teleport", "--json")
        self.assertEqual(code, 1)
        self.assertEqual(json.loads(out)["code"], "org.weft.Error.NotFound")

        code, out, err = weft("delegate", "--skill", "upper", "hello")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.strip(), '{"MESSAGE":"HELLO"}')
        code, out, err = weft("delegate", "--to", "alpha", "--skill", "upper", "--no-wait", "x",
                              "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(json.loads(out)["result"]), 12)
        code, out, err = weft("delegate", "x")
        self.assertEqual(code, 2)

        code, out, err = weft("send", "alpha", "hi")
        self.assertEqual(code, 0, err)
        self.assertIn("Message sent to alpha", out)
        code, out, err = weft("broadcast", "all", "--json")
        self.assertEqual(code, 0, err)
        self.assertIn("Broadcast sent", json.loads(out)["result"])

    def test_tasks_and_status(self):
        self.reg.wait_task(self.reg.submit("upper", "t"))
        code, out, err = weft("tasks", *self.r)
        self.assertEqual(code, 0, err)
        self.assertIn("completed", out)
        code, out, err = weft("tasks", "--json", *self.r)
        self.assertTrue(any(t["skill"] == "upper" for t in json.loads(out)))
        code, out, err = weft("tasks", "--agent", "alpha", "--json")
        self.assertEqual(code, 0, err)
        self.assertIsInstance(json.loads(out), list)

        code, out, err = weft("status")
        self.assertEqual(code, 0, err)
        self.assertIn("alpha", out)
        self.assertIn("running", out)
        code, out, err = weft("status", "alpha", "--json")
        self.assertEqual(json.loads(out)[0]["Name"], "alpha")
        code, out, err = weft("status", "nobody")
        self.assertEqual(code, 1)

    def test_pair(self):
        d = os.path.join(self.work.path, "paired")
        os.makedirs(d)
        manifest = os.path.join(d, "agent.yaml")
        token_file = os.path.join(d, "device-token")
        with open(manifest, "w") as f:
            f.write("name: paired\nregistry: %s\nskills: [list_agents]\nweft:\n"
                    "  device_token_file: %s\n" % (self.reg.url, token_file))
        code, out, err = weft("pair", "12", manifest)
        self.assertEqual(code, 1)
        self.assertIn("6 digits", err)
        status, body = self.reg.request("POST", "/api/pairing/generate-code", {})
        self.assertEqual(status, 200, body)

        def approve():
            def pending():
                s, b = self.reg.request("GET", "/api/pairing/pending")
                return b[0]["id"] if s == 200 and b else None
            entry = wait_for(pending, what="pending pairing")
            self.reg.request("POST", "/api/pairing/%s/approve" % entry)

        t = threading.Thread(target=approve)
        t.start()
        code, out, err = weft("pair", body["code"], manifest, "--json", timeout=60)
        t.join()
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["status"], "approved")
        self.assertEqual(stat.S_IMODE(os.stat(token_file).st_mode), 0o600)
        with open(token_file) as f:
            self.assertTrue(f.read().startswith("dt_"))
        # the agent then runs on the device token alone
        agent = subprocess.Popen([os.environ["WEFT_AGENT"], "--no-dbus", manifest],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            rec = wait_for(lambda: self.reg.agent("paired"), what="paired agent registered")
            self.assertTrue(rec["sidecar_peer_id"].startswith("agent-"))
        finally:
            agent.terminate()
            self.assertEqual(agent.wait(timeout=15), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
