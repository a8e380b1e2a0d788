# SPDX-License-Identifier: LGPL-2.1-or-later
"""weft-agent processes on the direct path: a delegation over a DataChannel that
never reaches the registry queue, the registry fallback for an agent without a
direct path, the same for fire-and-forget delegations, a task_request refused
by an agent at its concurrency limit that completes once through the queue,
and 20 agents in full-mesh mode all connected.  Runs under
dbus-run-session; WEFT_MESH_LOOPBACK keeps ICE on 127.0.0.1."""

import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agent_harness  # noqa: E402
from agent_harness import Agent, Registry, Workdir, gdbus, gvariant_string, wait_for  # noqa: E402

os.environ["WEFT_MESH_LOOPBACK"] = "1"
N_FULL = 20

# "nap": one second; leaves a line in runs.log per run and a line in
# overlap.log when another run is going on (mkdir is atomic)
agent_harness.SKILLS["nap"] = (
    'd="$(dirname "$0")"; echo run >> "$d/runs.log"; '
    'mkdir "$d/lock" 2>/dev/null || echo overlap >> "$d/overlap.log"; '
    'sleep 1; rmdir "$d/lock" 2>/dev/null; cat')


class MeshAgentsTest(unittest.TestCase):
    def setUp(self):
        self.work = Workdir()
        self.reg = Registry(self.work.path)
        keys = dict(agent_harness.KEYS)
        for i in range(N_FULL):
            keys["ak_m%02d" % i] = {"peer_id": "m%02d" % i, "role": "agent"}
        with open(self.reg.keys, "w") as f:
            json.dump({"keys": keys}, f)
        self.reg.start()
        self.agents = []

    def tearDown(self):
        for a in self.agents:
            if a.proc is not None:
                a.stop()
        self.reg.stop()
        self.work.cleanup()

    def agent(self, *args, **kwargs):
        a = Agent(self.work.path, self.reg, *args, **kwargs)
        self.agents.append(a)
        return a

    def tasks(self):
        status, body = self.reg.request("GET", "/api/hub/tasks/all")
        self.assertEqual(status, 200, body)
        return body

    def delegate(self, agent, target, skill, message):
        ok, out = gdbus(agent.bus_name, "Delegate", target, skill, message, "true")
        self.assertTrue(ok, out)
        return gvariant_string(out)

    def connection(self, agent, other):
        """How AGENT's Peers property says it reaches the agent OTHER."""
        r = subprocess.run(["gdbus", "call", "--session", "-d", agent.bus_name, "-o",
                            "/org/weft/Agent1", "-m", "org.freedesktop.DBus.Properties.Get",
                            "org.weft.Agent1", "Peers"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        from gi.repository import GLib
        peers = GLib.Variant.parse(None, r.stdout.strip(), None, None).unpack()[0]
        return {p[0]: p[3] for p in peers}.get(other)

    def test_direct_delegation(self):
        alpha = self.agent("alpha", "ak_alpha", builtin=["delegate"]).start()
        beta = self.agent("beta", "ak_beta", skills=["upper"]).start()
        wait_for(lambda: "peer" in json.dumps(self.reg.agent("beta")), what="beta listed")
        wait_for(lambda: self.connection(alpha, "beta") == "signaling",
                 what="alpha sees beta through signaling")
        result = self.delegate(alpha, "beta", "upper", "over the channel")
        self.assertIn("OVER THE CHANNEL", result)
        # the registry never saw it
        self.assertEqual(self.tasks(), [])
        log = alpha.read_log()
        self.assertRegex(log, r"delegate to beta: direct path")
        self.assertIn("channel to beta open", log)
        # a second one reuses the channel
        self.assertIn("AGAIN", self.delegate(alpha, "beta", "upper", "again"))
        self.assertEqual(self.tasks(), [])
        self.assertIn("open channel", alpha.read_log())
        # both ends show the channel in Peers
        self.assertEqual(self.connection(alpha, "beta"), "direct")
        wait_for(lambda: self.connection(beta, "alpha") == "direct",
                 what="beta sees alpha over the channel")
        # and no longer once the channel is gone (beta closes it as it stops,
        # then leaves the registry and alpha's list)
        beta.stop()
        wait_for(lambda: self.connection(alpha, "beta") != "direct",
                 what="alpha no longer shows a channel to beta")

    def test_fallback(self):
        alpha = self.agent("alpha", "ak_alpha", builtin=["delegate"]).start()
        # gamma keeps no signaling connection: no direct path to it
        self.agent("gamma", "ak_gamma", skills=["upper"]).start("--no-push",
                                                                "--heartbeat-interval", "1")
        result = self.delegate(alpha, "gamma", "upper", "through the queue")
        self.assertIn("THROUGH THE QUEUE", result)
        tasks = self.tasks()
        self.assertEqual(len(tasks), 1, tasks)
        self.assertEqual(tasks[0]["assigned_agent_id"], "gamma")
        self.assertRegex(alpha.read_log(), r"delegate to gamma: registry path \(.*gamma")

    def routes(self, agent):
        ok, out = gdbus(agent.bus_name, "ListRoutes")
        self.assertTrue(ok, out)
        return json.loads(gvariant_string(out))["routes"]

    def test_fire_and_forget(self):
        alpha = self.agent("alpha", "ak_alpha", builtin=["delegate"]).start()
        beta = self.agent("beta", "ak_beta", skills=["upper"]).start()
        self.agent("gamma", "ak_gamma", skills=["upper"]).start("--no-push",
                                                                "--heartbeat-interval", "1")
        # wait=false over the channel: the task_request's id, nothing queued
        ok, out = gdbus(alpha.bus_name, "Delegate", "beta", "upper", "no wait", "false")
        self.assertTrue(ok, out)
        request_id = gvariant_string(out)
        wait_for(lambda: "mesh: running upper for alpha (request %s" % request_id
                 in beta.read_log(), what="beta ran the fire-and-forget request")
        self.assertEqual(self.tasks(), [])
        route = [r for r in self.routes(alpha) if r["request_id"] == request_id]
        self.assertEqual(len(route), 1, route)
        self.assertEqual(route[0]["path"], "direct")
        self.assertIn("fire-and-forget", route[0]["reason"])
        self.assertRegex(alpha.read_log(), r"delegate to beta: direct path \(fire-and-forget")
        # no direct path to gamma: queued, and the caller gets the task id
        ok, out = gdbus(alpha.bus_name, "Delegate", "gamma", "upper", "queued", "false")
        self.assertTrue(ok, out)
        task_id = gvariant_string(out)
        self.assertEqual(self.reg.wait_task(task_id)["state"], "completed")
        self.assertEqual([t["id"] for t in self.tasks()], [task_id])
        self.assertEqual(self.routes(alpha)[0]["path"], "registry")

    def test_busy_peer(self):
        alpha = self.agent("alpha", "ak_alpha", builtin=["delegate"]).start()
        beta = self.agent("beta", "ak_beta", skills=["nap"],
                          extra="  max_concurrent_tasks: 1\n  heartbeat_interval: 1\n").start()
        first = subprocess.Popen(
            ["gdbus", "call", "--session", "-d", alpha.bus_name, "-o", "/org/weft/Agent1", "-m",
             "org.weft.Agent1.Delegate", "beta", "nap", "one", "true"],
            stdout=subprocess.PIPE, text=True)
        wait_for(lambda: "mesh: running nap" in beta.read_log(), what="the first nap")
        # beta is full: the second request is refused over the channel, goes
        # through the queue and runs once the slot is free
        second = self.delegate(alpha, "beta", "nap", "two")
        self.assertIn("TWO", second.upper())
        out, _ = first.communicate(timeout=30)
        self.assertIn("one", out)
        nap_dir = os.path.join(beta.dir, "skills", "nap")
        with open(os.path.join(nap_dir, "runs.log")) as f:
            self.assertEqual(f.read().count("run"), 2)
        self.assertFalse(os.path.exists(os.path.join(nap_dir, "overlap.log")))
        self.assertIn("mesh: refusing nap for alpha", beta.read_log())
        self.assertEqual(len(self.tasks()), 1)
        self.assertRegex(alpha.read_log(), r"delegate to beta: registry path \(agent beta is at")

    def test_full_mesh_20(self):
        names = ["m%02d" % i for i in range(N_FULL)]
        start = time.monotonic()
        for name in names:
            self.agent(name, "ak_" + name, skills=["upper"],
                       extra="  connect: full-mesh\n").start(wait=False)

        def all_connected():
            for a in self.agents:
                try:
                    peers = set(re.findall(r"channel to (m\d\d) open", a.read_log()))
                except FileNotFoundError:
                    return False
                if len(peers) < N_FULL - 1:
                    return False
            return True

        wait_for(all_connected, timeout=120, what="%d agents in full mesh" % N_FULL)
        print("%d agents in full mesh after %.1f s" % (N_FULL, time.monotonic() - start))
        # no pair opened twice: each agent logs exactly one open per peer
        for a in self.agents:
            opens = re.findall(r"channel to (m\d\d) open", a.read_log())
            self.assertEqual(len(opens), N_FULL - 1, (a.name, opens))


if __name__ == "__main__":
    unittest.main(verbosity=2)
