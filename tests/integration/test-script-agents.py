# SPDX-License-Identifier: LGPL-2.1-or-later
"""Agents written in Python and GJS (examples/python and examples/gjs) through the Weft
typelib: each registers with a real registry with the skill it implements, answers a
delegation from a real weft-agent over a DataChannel, runs a task pushed by the registry
queue, and deregisters on SIGTERM. Runs under dbus-run-session; WEFT_MESH_LOOPBACK keeps
ICE on 127.0.0.1."""

import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_harness import Agent, Registry, Workdir, gdbus, gvariant_string, wait_for  # noqa: E402

os.environ["WEFT_MESH_LOOPBACK"] = "1"
EXAMPLES = os.environ["WEFT_EXAMPLES"]
GJS = os.environ.get("WEFT_GJS", "")


class ScriptAgentsTest(unittest.TestCase):
    def setUp(self):
        self.work = Workdir()
        self.reg = Registry(self.work.path)
        self.reg.start()
        self.alpha = Agent(self.work.path, self.reg, "alpha", "ak_alpha",
                           builtin=["delegate"]).start()
        self.script = None

    def tearDown(self):
        if self.script is not None and self.script.poll() is None:
            self.script.kill()
            self.script.wait()
        self.alpha.stop()
        self.reg.stop()
        self.work.cleanup()

    def check_script_agent(self, command):
        # the manifest only names the agent and its credential: no skills of its own
        beta = Agent(self.work.path, self.reg, "beta", "ak_beta")
        with open(beta.log, "w") as log:
            self.script = subprocess.Popen(command + [beta.manifest], stdout=log,
                                           stderr=subprocess.STDOUT)
        wait_for(lambda: self.reg.agent("beta"), what="the script agent registered")
        self.assertIn("shout", self.reg.agent("beta")["capabilities"]["skills"])
        wait_for(lambda: "signaling connected" in beta.read_log(), what="its signaling")

        # a delegation from weft-agent, over a DataChannel
        ok, out = gdbus(self.alpha.bus_name, "Delegate", "beta", "shout", "over the channel",
                        "true")
        self.assertTrue(ok, out + beta.read_log())
        self.assertEqual(gvariant_string(out), "OVER THE CHANNEL!")
        self.assertIn("delegate to beta: direct path", self.alpha.read_log())

        # a task from the registry queue, pushed over /ws
        task = self.reg.wait_task(self.reg.submit("shout", "from the queue", target="beta"))
        self.assertEqual(task["state"], "completed", task)
        self.assertEqual(task["result"], "FROM THE QUEUE!")
        self.assertEqual(task["assigned_agent_id"], "beta")

        self.script.send_signal(signal.SIGTERM)
        self.assertEqual(self.script.wait(timeout=15), 0, beta.read_log())
        self.assertIsNone(self.reg.agent("beta"))

    def test_python(self):
        self.check_script_agent([sys.executable,
                                 os.path.join(EXAMPLES, "python", "shout-agent.py")])

    @unittest.skipUnless(GJS, "gjs is not installed")
    def test_gjs(self):
        self.check_script_agent([GJS, "-m", os.path.join(EXAMPLES, "gjs", "shout-agent.js")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
