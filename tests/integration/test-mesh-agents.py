# SPDX-License-Identifier: LGPL-2.1-or-later
"""weft-agent processes on the direct path: a delegation over a DataChannel that
never reaches the registry queue, the registry fallback for an agent without a
direct path, and 20 agents in full-mesh mode all connected.  Runs under
dbus-run-session; WEFT_MESH_LOOPBACK keeps ICE on 127.0.0.1."""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agent_harness  # noqa: E402
from agent_harness import Agent, Registry, Workdir, gdbus, gvariant_string, wait_for  # noqa: E402

os.environ["WEFT_MESH_LOOPBACK"] = "1"
N_FULL = 20


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

    def test_direct_delegation(self):
        alpha = self.agent("alpha", "ak_alpha", builtin=["delegate"]).start()
        self.agent("beta", "ak_beta", skills=["upper"]).start()
        wait_for(lambda: "peer" in json.dumps(self.reg.agent("beta")), what="beta listed")
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
