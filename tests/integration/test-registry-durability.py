# SPDX-License-Identifier: LGPL-2.1-or-later
"""Durability and re-queue: kill -9 and restart on the same database; stale assignees."""

import os
import sys
import tempfile
import shutil
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_harness import Registry, agent_body, wait_for  # noqa: E402


class TestDurability(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="weft-registry-durability-")

    def tearDown(self):
        shutil.rmtree(self.workdir, ignore_errors=True)

    def test_kill_and_restart(self):
        reg = Registry(workdir=self.workdir).start()
        try:
            for name, key, skills in (("alpha", "ak_alpha", ["echo"]),
                                      ("beta", "ak_beta", ["sum", "echo"])):
                r = reg.post("/api/registry/agents", agent_body(name, skills), key=key)
                self.assertEqual(r.status, 200, r)
            ids = {}
            for label, body in (("pending", {"skill": "nobody-has-it", "payload": [1, 2]}),
                                ("assigned", {"skill": "sum", "target_agent_id": "beta"}),
                                ("completed", {"skill": "echo", "target_agent_id": "alpha"}),
                                ("cancelled", {"skill": "nobody-has-it", "ttl": 1000})):
                r = reg.post("/api/hub/tasks", body, key="ak_gamma")
                self.assertEqual(r.status, 200, r)
                ids[label] = r.json["task_id"]
            r = reg.post("/api/hub/heartbeat", {"agent_id": "beta", "skill_names": ["sum"]},
                         key="ak_beta")
            self.assertIn(ids["assigned"], [t["id"] for t in r.json["pending_tasks"]])
            r = reg.post("/api/hub/heartbeat", {"agent_id": "alpha", "skill_names": ["echo"]},
                         key="ak_alpha")
            self.assertIn(ids["completed"], [t["id"] for t in r.json["pending_tasks"]])
            r = reg.post("/api/hub/tasks/" + ids["completed"],
                         {"state": "completed", "result": "done"}, key="ak_alpha")
            self.assertEqual(r.status, 200, r)
            r = reg.post("/api/hub/tasks/%s/cancel" % ids["cancelled"], key="ak_gamma")
            self.assertEqual(r.status, 200, r)
            r = reg.post("/api/keys", {"peer_id": "survivor", "role": "agent"}, key="ak_admin")
            new_key = r.json["key"]
            code = reg.post("/api/pairing/generate-code", key="ak_admin").json["code"]
            entry = reg.post("/api/pairing/pair", {"code": code, "agent_name": "p"}).json
            self.assertEqual(reg.post("/api/pairing/%s/approve" % entry["id"],
                                      key="ak_admin").status, 200)
            device_token = reg.post("/api/pairing/%s/claim" % entry["id"],
                                    {"claim_token": entry["claim_token"]}).json["device_token"]
            r = reg.post("/api/registry/agents", agent_body("doomed", []), key="ak_beta")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(reg.delete("/api/registry/agents/doomed", key="ak_beta").status, 200)
            before = {t["id"]: t for t in reg.get("/api/hub/tasks/all", key="ak_admin").json}
        finally:
            self.assertEqual(reg.kill9(), -9)

        reg = Registry(workdir=self.workdir).start()
        try:
            agents = {a["agent_id"]: a for a in reg.get("/api/registry/agents",
                                                        key="ak_admin").json}
            self.assertEqual(set(agents), {"alpha", "beta"})
            self.assertEqual(agents["alpha"]["capabilities"]["skills"], ["echo"])
            after = {t["id"]: t for t in reg.get("/api/hub/tasks/all", key="ak_admin").json}
            self.assertEqual(set(after), set(before))
            self.assertEqual(after[ids["pending"]]["state"], "pending")
            self.assertEqual(after[ids["pending"]]["payload"], [1, 2])
            self.assertEqual(after[ids["assigned"]]["state"], "assigned")
            self.assertEqual(after[ids["assigned"]]["assigned_agent_id"], "beta")
            self.assertEqual(after[ids["completed"]]["state"], "completed")
            self.assertEqual(after[ids["completed"]]["result"], "done")
            self.assertEqual(after[ids["cancelled"]]["state"], "cancelled")
            for tid, t in before.items():
                self.assertEqual(after[tid]["created_at"], t["created_at"])
            # ownership survives: another credential still may not touch alpha
            self.assertEqual(reg.delete("/api/registry/agents/alpha", key="ak_beta").status, 403)
            # the managed key and the device token still work; the claim is spent
            self.assertEqual(reg.post("/api/token", key=new_key).json["peer_id"], "survivor")
            r = reg.post("/api/token", headers={"X-Device-Token": device_token})
            self.assertEqual(r.json["peer_id"], entry["peer_id"])
            self.assertEqual(reg.post("/api/pairing/%s/claim" % entry["id"],
                                      {"claim_token": entry["claim_token"]}).status, 410)
            statuses = {e["id"]: e["status"] for e in reg.get("/api/pairing/all",
                                                               key="ak_admin").json}
            self.assertEqual(statuses[entry["id"]], "approved")
        finally:
            self.assertEqual(reg.stop(), 0, reg.read_log())

    def test_clean_shutdown_keeps_heartbeats(self):
        reg = Registry(workdir=self.workdir).start()
        reg.post("/api/registry/agents", agent_body("alpha", ["x"]), key="ak_alpha")
        time.sleep(1.1)
        reg.post("/api/hub/heartbeat", {"agent_id": "alpha"}, key="ak_alpha")
        seen = reg.get("/api/registry/agents/alpha", key="ak_alpha").json["last_heartbeat"]
        self.assertEqual(reg.stop(), 0, reg.read_log())
        reg = Registry(workdir=self.workdir).start()
        try:
            after = reg.get("/api/registry/agents/alpha", key="ak_alpha").json
            self.assertEqual(after["last_heartbeat"], seen)
        finally:
            self.assertEqual(reg.stop(), 0, reg.read_log())


class TestRequeue(unittest.TestCase):
    options = ("timings.health-stale-after=1", "timings.health-offline-after=3",
               "timings.health-interval=0.2", "timings.task-expiry-interval=0.2")

    def start(self, *extra):
        self.reg = Registry(options=self.options + extra).start()
        self.addCleanup(self.reg.cleanup)

    def heartbeat(self, agent, key, skills):
        r = self.reg.post("/api/hub/heartbeat", {"agent_id": agent, "skill_names": skills},
                          key=key)
        self.assertEqual(r.status, 200, r)
        return [t["id"] for t in r.json["pending_tasks"]]

    def test_stale_assignee_task_goes_to_another_agent(self):
        self.start()
        self.heartbeat("alpha", "ak_alpha", ["work"])
        tid = self.reg.post("/api/hub/tasks", {"skill": "work"}, key="ak_gamma").json["task_id"]
        self.assertIn(tid, self.heartbeat("alpha", "ak_alpha", ["work"]))
        # alpha goes silent; beta keeps heartbeating and gets the task once alpha is stale
        got = wait_for(lambda: tid in self.heartbeat("beta", "ak_beta", ["work"]), timeout=10,
                       interval=0.2)
        self.assertTrue(got, self.reg.read_log())
        task = self.reg.get("/api/hub/tasks/" + tid, key="ak_gamma").json
        self.assertEqual(task["assigned_agent_id"], "beta")
        self.assertEqual(task["state"], "assigned")
        self.assertEqual(self.reg.get("/api/registry/agents/alpha", key="ak_alpha").json["health"],
                         "stale")
        # the old assignee may no longer move it
        r = self.reg.post("/api/hub/tasks/" + tid, {"state": "completed"}, key="ak_alpha")
        self.assertIn(r.status, (403, 409), r)
        r = self.reg.post("/api/hub/tasks/" + tid, {"state": "completed", "result": "ok"},
                          key="ak_beta")
        self.assertEqual(r.status, 200, r)

    def test_attempts_are_bounded(self):
        self.start("timings.task-requeue-attempts=1")
        self.heartbeat("alpha", "ak_alpha", ["work"])
        tid = self.reg.post("/api/hub/tasks", {"skill": "work"}, key="ak_gamma").json["task_id"]
        self.assertIn(tid, self.heartbeat("alpha", "ak_alpha", ["work"]))

        def failed():
            return self.reg.get("/api/hub/tasks/" + tid, key="ak_gamma").json["state"] == "failed"

        self.assertTrue(wait_for(failed, timeout=10, interval=0.2), self.reg.read_log())
        task = self.reg.get("/api/hub/tasks/" + tid, key="ak_gamma").json
        self.assertTrue(task["error"], task)


if __name__ == "__main__":
    unittest.main(verbosity=2)
