# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every org.weft.Agent1 method and property through gdbus, wrong arguments
included; the agent stays up throughout."""

import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_harness import Agent, Registry, Workdir, gdbus, gvariant_string, wait_for  # noqa: E402

ALL_BUILTINS = ["list_agents", "find_agent", "delegate", "mesh_send", "mesh_broadcast",
                "user_intervention"]


class AgentDBusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Workdir()
        cls.reg = Registry(cls.work.path)
        cls.reg.start()
        cls.alpha = Agent(cls.work.path, cls.reg, "alpha", "ak_alpha", skills=["echo", "upper"])
        cls.beta = Agent(cls.work.path, cls.reg, "beta", "ak_beta", builtin=ALL_BUILTINS)
        cls.alpha.start()
        cls.beta.start()
        cls.monitor = subprocess.Popen(
            ["gdbus", "monitor", "--session", "-d", cls.alpha.bus_name],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    @classmethod
    def tearDownClass(cls):
        cls.monitor.terminate()
        cls.monitor.wait()
        cls.monitor.stdout.close()
        for a in (cls.alpha, cls.beta):
            if a.proc is not None:
                a.stop()
        cls.reg.stop()
        cls.work.cleanup()

    seen = []

    def monitor_text(self, until=None, timeout=10):
        """alpha's signals so far; reads more until @until is in them"""
        deadline = time.monotonic() + timeout
        while until is not None and until not in "".join(self.seen) and \
                time.monotonic() < deadline:
            self.seen.append(self.monitor.stdout.readline())
        return "".join(self.seen)

    def call(self, agent, method, *args, **kw):
        ok, out = gdbus(agent.bus_name, method, *args, **kw)
        self.assertTrue(ok, out)
        return gvariant_string(out)

    def error(self, agent, method, *args):
        ok, out = gdbus(agent.bus_name, method, *args)
        self.assertFalse(ok, out)
        self.assertIsNone(agent.proc.poll(), "the agent died")
        return out

    def test_properties(self):
        r = subprocess.run(["busctl", "--user", "--json=short", "get-property",
                            self.alpha.bus_name, "/org/weft/Agent1", "org.weft.Agent1", "Name",
                            "PeerId", "Registry", "State", "Skills", "RunningTasks"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            values = [json.loads(line)["data"] for line in r.stdout.splitlines()]
            self.assertEqual(values[:4], ["alpha", "alpha", self.reg.url, "running"])
            self.assertEqual(values[4], ["echo", "upper"])
        ok, out = gdbus(self.alpha.bus_name, "../freedesktop.DBus.Properties.GetAll",
                        "org.weft.Agent1")
        r = subprocess.run(["gdbus", "call", "--session", "-d", self.alpha.bus_name, "-o",
                            "/org/weft/Agent1", "-m", "org.freedesktop.DBus.Properties.GetAll",
                            "org.weft.Agent1"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("'Name': <'alpha'>", r.stdout)
        self.assertIn("'State': <'running'>", r.stdout)
        # signaling, or direct once an earlier test opened a channel
        wait_for(lambda: re.search(r"'beta', 'beta', 'active', '(signaling|direct)'", subprocess.run(
            ["gdbus", "call", "--session", "-d", self.alpha.bus_name, "-o", "/org/weft/Agent1",
             "-m", "org.freedesktop.DBus.Properties.Get", "org.weft.Agent1", "Peers"],
            capture_output=True, text=True).stdout), what="beta in Peers")

    def test_invoke(self):
        self.assertEqual(self.call(self.alpha, "Invoke", "upper", '{"message": "hi"}'),
                         '{"MESSAGE":"HI"}')
        self.assertIn("org.weft.Error.NotFound", self.error(self.alpha, "Invoke", "nope", "{}"))
        self.assertIn("org.weft.Error.InvalidArgument",
                      self.error(self.alpha, "Invoke", "echo", "[1, 2"))
        self.assertIn("org.weft.Error.InvalidArgument",
                      self.error(self.alpha, "Invoke", "echo", "42"))
        # nested deeper than JSON input may be (this deep used to overflow the stack)
        for deep in ("'%s'" % ("[" * 100000), "'%s'" % ('{"a":' * 20000)):
            self.assertIn("nested deeper than 128", self.error(self.alpha, "Invoke", "echo", deep))
        # wrong D-Bus signature
        self.assertIn("InvalidArgs", self.error(self.alpha, "Invoke", "echo"))

    def test_delegate(self):
        self.assertEqual(self.call(self.beta, "Delegate", "", "upper", "round trip", "true"),
                         '{"MESSAGE":"ROUND TRIP"}')
        # fire-and-forget: over the DataChannel, so the answer is the task_request's id
        request_id = self.call(self.beta, "Delegate", "alpha", "echo", "later", "false")
        self.assertTrue(request_id)
        routes = json.loads(self.call(self.beta, "ListRoutes"))["routes"]
        mine = [r for r in routes if r["request_id"] == request_id]
        self.assertEqual(len(mine), 1, routes)
        self.assertEqual((mine[0]["kind"], mine[0]["target"], mine[0]["path"]),
                         ("delegate", "alpha", "direct"), mine)
        # alpha announces the request it runs like any task, under the request id
        text = self.monitor_text(until="('%s', 'completed'" % request_id)
        self.assertIn("org.weft.Agent1.TaskStarted ('%s', 'echo')" % request_id, text)
        finished = "org.weft.Agent1.TaskFinished ('%s', 'completed', '%s')" % (
            request_id, '{"message":"later"}')
        self.assertIn(finished, text)
        self.assertIn("org.weft.Error.NotFound",
                      self.error(self.beta, "Delegate", "", "teleport", "x", "true"))
        self.assertIn("org.weft.Error.InvalidArgument",
                      self.error(self.beta, "Delegate", "", "", "x", "true"))

    def test_send_broadcast_and_signals(self):
        out = self.call(self.beta, "Send", "alpha", "psst")
        self.assertEqual(out, "Message sent to alpha via P2P DataChannel")
        out = self.call(self.beta, "Broadcast", "everyone")
        self.assertEqual(out, "Broadcast sent to 1 peer(s) via P2P DataChannel")
        report = json.loads(self.call(self.beta, "ListRoutes"))
        sends = [r for r in report["routes"] if r["kind"] == "send" and r["target"] == "alpha"]
        self.assertTrue(sends, report)
        self.assertEqual(sends[0]["path"], "direct")
        self.assertTrue(sends[0]["ok"])
        self.assertGreaterEqual(sends[0]["elapsed_ms"], 0)
        self.assertTrue(report["connections"], report)
        self.assertIn("org.weft.Error.InvalidArgument", self.error(self.beta, "Send", "", "x"))
        text = self.monitor_text(until="MessageReceived ('beta', 'everyone')")
        self.assertIn("org.weft.Agent1.MessageReceived ('beta', 'psst')", text)
        self.assertIn("org.weft.Agent1.MessageReceived ('beta', 'everyone')", text)

    def test_list_and_find(self):
        agents = json.loads(self.call(self.beta, "ListAgents"))
        self.assertEqual(sorted(a["agent_id"] for a in agents), ["alpha", "beta"])
        found = json.loads(self.call(self.beta, "FindAgent", "upper"))
        self.assertEqual(found["agent_id"], "alpha")
        self.assertIn("org.weft.Error.NotFound", self.error(self.beta, "FindAgent", "teleport"))
        self.assertIn("org.weft.Error.InvalidArgument", self.error(self.beta, "FindAgent", ""))
        self.call(self.alpha, "Invoke", "echo", "{}")
        tasks = json.loads(self.call(self.alpha, "ListTasks"))
        self.assertIsInstance(tasks, list)

    def test_reload(self):
        ok, out = gdbus(self.alpha.bus_name, "Reload")
        self.assertTrue(ok, out)
        with open(self.alpha.manifest) as f:
            good = f.read()
        try:
            with open(self.alpha.manifest, "w") as f:
                f.write("name: [broken\n")
            out = self.error(self.alpha, "Reload")
            self.assertIn("org.weft.Error.InvalidData", out)
            # the old skills still work
            self.assertEqual(self.call(self.alpha, "Invoke", "echo", '{"message": "x"}'),
                             '{"message":"x"}')
        finally:
            with open(self.alpha.manifest, "w") as f:
                f.write(good)

    def test_zz_quit(self):
        gamma = Agent(self.work.path, self.reg, "gamma", "ak_gamma", builtin=["list_agents"])
        gamma.start()
        ok, out = gdbus(gamma.bus_name, "Quit")
        self.assertTrue(ok, out)
        self.assertEqual(gamma.proc.wait(timeout=15), 0)
        gamma.proc = None
        self.assertIsNone(self.reg.agent("gamma"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
