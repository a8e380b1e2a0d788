# SPDX-License-Identifier: LGPL-2.1-or-later
"""weft-agent as a process: register, heartbeat, push, deregister on SIGTERM, a
registry restart mid-run, and a task re-queued after its agent is killed."""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_harness import Agent, Registry, Workdir, wait_for  # noqa: E402


def read_text(path):
    with open(path) as f:
        return f.read()


class AgentProcessTest(unittest.TestCase):
    def setUp(self):
        self.work = Workdir()
        # fast health so that a killed agent's task is re-queued within the test
        self.reg = Registry(self.work.path, options=[
            "timings.health-interval=0.5", "timings.health-stale-after=3",
            "timings.health-offline-after=6"])
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

    def test_register_heartbeat_deregister(self):
        a = self.agent("alpha", "ak_alpha", builtin=["list_agents"], skills=["echo"]).start(
            "--heartbeat-interval", "1")
        rec = self.reg.agent("alpha")
        self.assertEqual(rec["sidecar_peer_id"], "alpha")
        self.assertEqual(sorted(rec["capabilities"]["skills"]), ["echo", "list_agents"])
        first = rec["last_heartbeat"]
        wait_for(lambda: self.reg.agent("alpha")["last_heartbeat"] != first,
                 what="a second heartbeat")
        self.assertEqual(a.stop(), 0)
        self.assertIsNone(self.reg.agent("alpha"))
        self.assertIn("deregistered alpha", a.read_log())

    def test_push_and_heartbeat(self):
        self.agent("alpha", "ak_alpha", skills=["upper"]).start("--heartbeat-interval", "600")
        t = self.reg.wait_task(self.reg.submit("upper", "pushed"), timeout=10)
        self.assertEqual(t["state"], "completed")
        self.assertEqual(t["result"], '{"MESSAGE":"PUSHED"}')

        self.agent("beta", "ak_beta", skills=["echo"]).start(
            "--no-push", "--heartbeat-interval", "1")
        t = self.reg.wait_task(self.reg.submit("echo", "polled", target="beta"), timeout=10)
        self.assertEqual(t["state"], "completed")
        self.assertEqual(t["assigned_agent_id"], "beta")

    def test_failures_are_reported(self):
        self.agent("alpha", "ak_alpha", skills=["fail", "garbage", "flood", "hang"]).start(
            "--heartbeat-interval", "1")
        cases = {"fail": "boom", "garbage": "not UTF-8", "flood": "more than",
                 "hang": "did not finish"}
        ids = {skill: self.reg.submit(skill, "x", target="alpha") for skill in cases}
        for skill, text in cases.items():
            t = self.reg.wait_task(ids[skill], timeout=20)
            self.assertEqual(t["state"], "failed", skill)
            self.assertIn(text, t["error"], skill)
        # the agent is still up
        self.assertIsNone(self.agents[0].proc.poll())

    def test_registry_restart(self):
        a = self.agent("alpha", "ak_alpha", skills=["echo"]).start("--heartbeat-interval", "1")
        self.reg.stop()
        time.sleep(1)
        self.reg.start()
        wait_for(lambda: a.read_log().count("signaling connected") >= 2, timeout=20,
                 what="reconnect")
        t = self.reg.wait_task(self.reg.submit("echo", "after restart"), timeout=15)
        self.assertEqual(t["state"], "completed")
        self.assertIsNone(a.proc.poll())

    def test_registry_comes_later(self):
        self.reg.stop()
        a = self.agent("alpha", "ak_alpha", skills=["echo"]).start("--heartbeat-interval", "1",
                                                                   wait=False)
        wait_for(lambda: "will keep trying" in a.read_log().lower(), what="the agent waiting")
        time.sleep(0.5)
        # said once, not once for the token and again for the registration
        self.assertEqual(a.read_log().count("Cannot reach the registry"), 1, a.read_log())
        self.reg.start()
        wait_for(lambda: self.reg.agent("alpha"), timeout=20, what="registered once it is up")
        t = self.reg.wait_task(self.reg.submit("echo", "later"), timeout=15)
        self.assertEqual(t["state"], "completed")

    def test_killed_agent_task_requeued(self):
        a = self.agent("alpha", "ak_alpha", skills=["slowecho"]).start("--heartbeat-interval", "1")
        task_id = self.reg.submit("slowecho", "survive")
        wait_for(lambda: self.reg.task(task_id)["state"] == "running", what="task running")
        self.assertEqual(self.reg.task(task_id)["assigned_agent_id"], "alpha")
        a.kill9()
        self.agent("beta", "ak_beta", skills=["slowecho"]).start("--heartbeat-interval", "1")
        t = self.reg.wait_task(task_id, timeout=40)
        self.assertEqual(t["state"], "completed")
        self.assertEqual(t["assigned_agent_id"], "beta")
        self.assertEqual(t["result"], '{"message":"survive"}')

    def run_until(self, args, line, env=None):
        """Starts weft-agent ARGS, waits for LINE in its stderr, stops it with SIGTERM;
        returns (exit status, stderr)."""
        errlog = os.path.join(self.work.path, "stderr.log")
        with open(errlog, "w") as err:
            proc = subprocess.Popen([os.environ["WEFT_AGENT"]] + args, stderr=err,
                                    env=env or os.environ)
        try:
            wait_for(lambda: line in read_text(errlog), what=line)
            proc.send_signal(signal.SIGTERM)
            status = proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        return status, read_text(errlog)

    def test_json_log(self):
        a = self.agent("alpha", "ak_alpha", skills=["echo"])
        status, err = self.run_until(["--json", a.manifest], "signaling connected")
        self.assertEqual(status, 0, err)
        records = [json.loads(line) for line in err.splitlines()]
        for r in records:
            self.assertEqual(set(r) - {"domain"}, {"time", "level", "message"}, r)
        messages = [r["message"] for r in records]
        self.assertIn("registered as alpha at %s (peer alpha)" % self.reg.url, messages)
        self.assertIn("deregistered alpha", messages)
        # errors that end the run are records too
        r = subprocess.run([os.environ["WEFT_AGENT"], "--json", "/nonexistent/agent.yaml"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        record = json.loads(r.stderr)
        self.assertEqual(record["level"], "error")
        self.assertIn("weft init", record["message"])

    def test_without_session_bus(self):
        a = self.agent("alpha", "ak_alpha", skills=["echo"])
        env = dict(os.environ, G_DEBUG="fatal-criticals",
                   DBUS_SESSION_BUS_ADDRESS="unix:path=" + os.path.join(self.work.path, "no-bus"))
        status, err = self.run_until([a.manifest], "D-Bus control is off", env=env)
        self.assertEqual(status, 0, err)
        self.assertNotIn("CRITICAL", err)
        self.assertIn("deregistered alpha", err)

    def test_bad_manifest(self):
        bad = os.path.join(self.work.path, "bad.yaml")
        with open(bad, "w") as f:
            f.write("name: x\nweft:\n  heartbeat_interval: -3\n  nonsense: 1\n")
        r = subprocess.run([os.environ["WEFT_AGENT"], "--no-dbus", bad], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.yaml:3:", r.stderr)
        r = subprocess.run([os.environ["WEFT_AGENT"], "/nonexistent/agent.yaml"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        # the hint, once
        self.assertEqual(r.stderr.count("weft init"), 1, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
