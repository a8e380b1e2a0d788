# SPDX-License-Identifier: LGPL-2.1-or-later
"""Walks chatixia-wire §2 endpoint by endpoint against the real weft-registry."""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_harness import Registry, agent_body  # noqa: E402

ADMIN = "ak_admin"
ALPHA = "ak_alpha"
BETA = "ak_beta"


class RegistryTestCase(unittest.TestCase):
    options = ()
    args = ()
    env = None

    @classmethod
    def setUpClass(cls):
        cls.reg = Registry(options=cls.options, args=cls.args, env=cls.env).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.reg.stop()
        log = cls.reg.read_log()
        cls.reg.cleanup()
        if rc != 0:
            raise AssertionError("registry exited with %r:\n%s" % (rc, log))

    def assertError(self, r, status, message=None):
        self.assertEqual(r.status, status, r)
        self.assertIsInstance(r.json, dict, r)
        self.assertIn("error", r.json)
        self.assertIsInstance(r.json["error"], str)
        if message is not None:
            self.assertEqual(r.json["error"], message)


class TestHealthAndConfig(RegistryTestCase):
    env = {"TURN_URL": "turn:turn.example:3478", "TURN_SECRET": "turn-secret"}

    def test_healthz_is_open(self):
        r = self.reg.get("/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")

    def test_config_stun_and_turn(self):
        r = self.reg.get("/api/config")
        self.assertEqual(r.status, 200)
        servers = r.json["iceServers"]
        self.assertEqual(servers[0], {"urls": ["stun:stun.l.google.com:19302"]})
        turn = servers[1]
        self.assertEqual(turn["urls"], ["turn:turn.example:3478"])
        expiry, _, suffix = turn["username"].partition(":")
        self.assertEqual(suffix, "mesh")
        self.assertAlmostEqual(int(expiry), time.time() + 86400, delta=30)
        digest = hmac.new(b"turn-secret", turn["username"].encode(), hashlib.sha1).digest()
        self.assertEqual(turn["credential"], base64.b64encode(digest).decode())
        self.assertEqual(len(turn["credential"]), 28)

    def test_cors(self):
        r = self.reg.get("/healthz")
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "*")
        r = self.reg.request("OPTIONS", "/api/hub/tasks",
                             headers={"Origin": "http://x.example",
                                      "Access-Control-Request-Method": "POST",
                                      "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(r.status, 204)
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "*")
        self.assertIn("POST", r.headers["Access-Control-Allow-Methods"])
        self.assertIn("content-type", r.headers["Access-Control-Allow-Headers"])

    def test_metrics_needs_auth_and_is_prometheus_text(self):
        self.assertError(self.reg.get("/metrics"), 401)
        r = self.reg.get("/metrics", key=ADMIN)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
        self.assertIn('weft_registry_agents{health="active"}', r.raw)
        self.assertIn('weft_registry_tasks{state="pending"}', r.raw)
        self.assertIn("weft_registry_websocket_connections ", r.raw)
        self.assertIn('weft_registry_http_request_duration_seconds_bucket{route="/healthz"', r.raw)


class TestToken(RegistryTestCase):
    def test_api_key(self):
        r = self.reg.post("/api/token", key=ALPHA)
        self.assertEqual(r.status, 200)
        self.assertEqual(set(r.json), {"token", "peer_id", "role"})
        self.assertEqual(r.json["peer_id"], "alpha-sidecar")
        self.assertEqual(r.json["role"], "agent")
        header, claims, sig = r.json["token"].split(".")
        pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
        self.assertEqual(json.loads(base64.urlsafe_b64decode(pad(header)))["alg"], "HS256")
        c = json.loads(base64.urlsafe_b64decode(pad(claims)))
        self.assertEqual(c["sub"], "alpha-sidecar")
        self.assertEqual(c["role"], "agent")
        self.assertEqual(c["exp"], c["iat"] + 300)

    def test_admin_role(self):
        r = self.reg.post("/api/token", key=ADMIN)
        self.assertEqual(r.json["role"], "admin")

    def test_unknown_key(self):
        self.assertError(self.reg.post("/api/token", key="nope"), 401)
        self.assertError(self.reg.post("/api/token"), 401)
        self.assertError(self.reg.post("/api/token", headers={"X-Device-Token": "dt_" + "0" * 32}),
                         401)

    def test_dev_key_not_accepted_without_dev(self):
        self.assertError(self.reg.post("/api/token", key="ak_dev_001"), 401)

    def test_wrong_method(self):
        r = self.reg.get("/api/token")
        self.assertError(r, 405)
        self.assertEqual(r.headers["Allow"], "POST")

    def test_bearer_token_authenticates(self):
        token = self.reg.token(ALPHA)
        r = self.reg.get("/api/registry/agents", token=token)
        self.assertEqual(r.status, 200)
        self.assertError(self.reg.get("/api/registry/agents", token=token[:-2] + "xx"), 401)
        self.assertError(self.reg.get("/api/registry/agents", token="garbage.token.here"), 401)
        r = self.reg.get("/api/registry/agents", headers={"Authorization": "Basic Zm9vOmJhcg=="})
        self.assertError(r, 401)


class TestAgents(RegistryTestCase):
    def test_register_list_get_delete(self):
        r = self.reg.post("/api/registry/agents", agent_body("alpha", ["echo", "sum"]), key=ALPHA)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"status": "ok"})
        r = self.reg.get("/api/registry/agents", key=BETA)
        self.assertEqual(r.status, 200)
        self.assertIsInstance(r.json, list)
        rec = [a for a in r.json if a["agent_id"] == "alpha"][0]
        for field in ("agent_id", "hostname", "ip", "port", "sidecar_peer_id", "capabilities",
                      "status", "mode", "health", "registered_at", "last_heartbeat"):
            self.assertIn(field, rec)
        self.assertEqual(rec["health"], "active")
        self.assertEqual(rec["port"], 8000)
        self.assertEqual(rec["ip"], "")
        self.assertEqual(rec["capabilities"]["skills"], ["echo", "sum"])
        self.assertNotIn("owner", rec)
        r = self.reg.get("/api/registry/agents/alpha", key=BETA)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["agent_id"], "alpha")
        # another credential may not delete it
        self.assertError(self.reg.delete("/api/registry/agents/alpha", key=BETA), 403)
        r = self.reg.delete("/api/registry/agents/alpha", key=ALPHA)
        self.assertEqual(r.json, {"status": "ok"})
        self.assertError(self.reg.get("/api/registry/agents/alpha", key=ALPHA), 404, "not found")
        self.assertError(self.reg.delete("/api/registry/agents/alpha", key=ALPHA), 404,
                         "not found")

    def test_register_needs_auth(self):
        self.assertError(self.reg.post("/api/registry/agents", agent_body("x")), 401)

    def test_register_missing_hostname_is_422(self):
        self.assertError(self.reg.post("/api/registry/agents", {"agent_id": "x"}, key=ALPHA), 422)

    def test_register_wrong_types(self):
        self.assertError(self.reg.post("/api/registry/agents",
                                       {"agent_id": 1, "hostname": "h"}, key=ALPHA), 422)
        self.assertError(self.reg.post("/api/registry/agents",
                                       {"agent_id": "x", "hostname": "h", "port": 70000},
                                       key=ALPHA), 422)

    def test_register_not_json(self):
        self.assertError(self.reg.post("/api/registry/agents", raw="{not json", key=ALPHA), 400)

    def test_register_wrong_content_type(self):
        self.assertError(self.reg.post("/api/registry/agents", agent_body("x"), key=ALPHA,
                                       content_type="text/plain"), 415)
        self.assertError(self.reg.post("/api/registry/agents", agent_body("x"), key=ALPHA,
                                       content_type=None), 415)
        r = self.reg.post("/api/registry/agents", agent_body("ct"), key=ALPHA,
                          content_type="application/vnd.weft+json; charset=utf-8")
        self.assertEqual(r.status, 200, r)

    def test_route(self):
        self.reg.post("/api/registry/agents", agent_body("router-a", ["translate"]), key=ALPHA)
        r = self.reg.get("/api/registry/route?skill=translate", key=BETA)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["agent_id"], "router-a")
        r = self.reg.get("/api/registry/route?skill=Translate", key=BETA)
        self.assertError(r, 404, "no agent found with skill")
        self.assertEqual(r.json["skill"], "Translate")
        self.assertError(self.reg.get("/api/registry/route", key=BETA), 400)

    def test_heartbeat_upserts(self):
        r = self.reg.post("/api/hub/heartbeat",
                          {"agent_id": "hb-new", "hostname": "h", "skill_names": ["x"]}, key=BETA)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "ok")
        self.assertEqual(r.json["pending_tasks"], [])
        r = self.reg.get("/api/registry/agents/hb-new", key=BETA)
        self.assertEqual(r.json["capabilities"]["skills"], ["x"])
        self.assertEqual(r.json["health"], "active")
        # someone else's agent
        self.assertError(self.reg.post("/api/hub/heartbeat", {"agent_id": "hb-new"}, key=ALPHA),
                         403)
        self.assertError(self.reg.post("/api/hub/heartbeat", {"hostname": "h"}, key=BETA), 422)

    def test_topology(self):
        self.reg.post("/api/registry/agents", agent_body("topo-a", ["t"]), key=ALPHA)
        self.reg.post("/api/registry/agents", agent_body("topo-b", ["t"]), key=BETA)
        r = self.reg.get("/api/hub/network/topology", key=ALPHA)
        self.assertEqual(r.status, 200)
        nodes = {n["agent_id"]: n for n in r.json["nodes"]}
        self.assertIn("topo-a", nodes)
        self.assertEqual(nodes["topo-a"]["skills_count"], 1)
        self.assertIn("topo-b-sidecar", nodes["topo-a"]["mesh_peers"])
        edges = {frozenset((e["from_peer"], e["to_peer"])) for e in r.json["mesh_edges"]}
        self.assertIn(frozenset(("topo-a-sidecar", "topo-b-sidecar")), edges)

    def test_agent_card_is_open(self):
        self.reg.post("/api/registry/agents", agent_body("card-a", ["c1"]), key=ALPHA)
        r = self.reg.get("/api/registry/agents/card-a/card")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["name"], "card-a")
        self.assertError(self.reg.get("/api/registry/agents/nope/card"), 404)


class TestTasks(RegistryTestCase):
    def submit(self, body, key=BETA):
        r = self.reg.post("/api/hub/tasks", body, key=key)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json), {"task_id"})
        return r.json["task_id"]

    def test_submit_pickup_complete(self):
        self.reg.post("/api/registry/agents", agent_body("worker", ["echo"]), key=ALPHA)
        tid = self.submit({"skill": "echo", "source_agent_id": "hub-user",
                           "payload": {"message": "hi"}, "ttl": 60})
        r = self.reg.get("/api/hub/tasks/" + tid, key=BETA)
        self.assertEqual(r.status, 200)
        t = r.json
        for field in ("id", "skill", "target_agent_id", "source_agent_id", "assigned_agent_id",
                      "payload", "state", "result", "error", "created_at", "updated_at", "ttl"):
            self.assertIn(field, t)
        self.assertEqual(t["state"], "pending")
        self.assertEqual(t["payload"], {"message": "hi"})
        self.assertIsInstance(t["created_at"], float)
        r = self.reg.post("/api/hub/heartbeat",
                          {"agent_id": "worker", "hostname": "h", "skill_names": ["echo"]},
                          key=ALPHA)
        self.assertEqual(r.status, 200, r)
        picked = [x for x in r.json["pending_tasks"] if x["id"] == tid]
        self.assertEqual(len(picked), 1, r.json)
        self.assertEqual(picked[0]["state"], "assigned")
        self.assertEqual(picked[0]["assigned_agent_id"], "worker")
        # only the assignee's credential moves it forward
        self.assertError(self.reg.post("/api/hub/tasks/" + tid, {"state": "completed"}, key=BETA),
                         403)
        r = self.reg.post("/api/hub/tasks/" + tid,
                          {"state": "completed", "result": "hi", "error": ""}, key=ALPHA)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"status": "ok"})
        r = self.reg.get("/api/hub/tasks/" + tid, key=BETA)
        self.assertEqual(r.json["state"], "completed")
        self.assertEqual(r.json["result"], "hi")
        # no way out of a terminal state
        self.assertError(self.reg.post("/api/hub/tasks/" + tid, {"state": "pending"}, key=ALPHA),
                         409)
        r = self.reg.get("/api/hub/tasks/all", key=BETA)
        self.assertIn(tid, [x["id"] for x in r.json])

    def test_empty_submission_is_valid(self):
        tid = self.submit({})
        r = self.reg.get("/api/hub/tasks/" + tid, key=BETA)
        self.assertEqual(r.json["ttl"], 300)
        self.assertIsNone(r.json["payload"])

    def test_unknown_task(self):
        self.assertError(self.reg.get("/api/hub/tasks/nope", key=BETA), 404, "not found")
        self.assertError(self.reg.post("/api/hub/tasks/nope", {"state": "completed"}, key=BETA),
                         404, "not found")

    def test_update_body_errors(self):
        tid = self.submit({})
        self.assertError(self.reg.post("/api/hub/tasks/" + tid, {}, key=BETA), 422)
        self.assertError(self.reg.post("/api/hub/tasks/" + tid, {"state": "completed",
                                                                  "result": {"x": 1}}, key=BETA),
                         422)
        self.assertError(self.reg.post("/api/hub/tasks/" + tid, {"state": "bogus"}, key=BETA), 422)
        self.assertError(self.reg.post("/api/hub/tasks/" + tid, raw="nope", key=BETA), 400)

    def test_submit_body_errors(self):
        self.assertError(self.reg.post("/api/hub/tasks", {"ttl": -1}, key=BETA), 422)
        self.assertError(self.reg.post("/api/hub/tasks", {"skill": 5}, key=BETA), 422)
        self.assertError(self.reg.post("/api/hub/tasks", raw="[1,2", key=BETA), 400)
        self.assertError(self.reg.post("/api/hub/tasks", {}, key=BETA, content_type="text/json"),
                         415)

    def test_targeted_task_goes_only_to_target(self):
        self.reg.post("/api/registry/agents", agent_body("tgt-a", ["s1"]), key=ALPHA)
        self.reg.post("/api/registry/agents", agent_body("tgt-b", ["s1"]), key=BETA)
        tid = self.submit({"skill": "s1", "target_agent_id": "tgt-b"}, key=ALPHA)
        r = self.reg.post("/api/hub/heartbeat", {"agent_id": "tgt-a", "skill_names": ["s1"]},
                          key=ALPHA)
        self.assertNotIn(tid, [t["id"] for t in r.json["pending_tasks"]])
        r = self.reg.post("/api/hub/heartbeat", {"agent_id": "tgt-b", "skill_names": ["s1"]},
                          key=BETA)
        self.assertIn(tid, [t["id"] for t in r.json["pending_tasks"]])

    def test_cancel_by_submitter(self):
        tid = self.submit({"skill": "never"}, key=BETA)
        self.assertError(self.reg.post("/api/hub/tasks/%s/cancel" % tid, key=ALPHA), 403)
        r = self.reg.post("/api/hub/tasks/%s/cancel" % tid, key=BETA)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["task"]["state"], "cancelled")
        self.assertError(self.reg.post("/api/hub/tasks/nope/cancel", key=BETA), 404)


class TestRouting(RegistryTestCase):
    def test_unknown_path(self):
        self.assertError(self.reg.get("/api/nope", key=ADMIN), 404)
        self.assertError(self.reg.get("/"), 404)
        self.assertError(self.reg.get("/api/registry/agents/"), 404)

    def test_wrong_method(self):
        r = self.reg.request("PUT", "/api/registry/agents", key=ADMIN)
        self.assertError(r, 405)
        self.assertEqual(sorted(r.headers["Allow"].split(", ")), ["GET", "POST"])
        r = self.reg.request("PATCH", "/api/hub/tasks/abc", key=ADMIN)
        self.assertError(r, 405)

    def test_everything_needs_auth_but_the_open_endpoints(self):
        for method, path in (("GET", "/api/registry/agents"), ("GET", "/api/hub/tasks/all"),
                             ("POST", "/api/hub/heartbeat"), ("GET", "/api/pairing/pending"),
                             ("GET", "/api/pairing/all"), ("GET", "/api/registry/route?skill=x"),
                             ("GET", "/api/hub/network/topology"),
                             ("POST", "/api/pairing/generate-code")):
            r = self.reg.request(method, path, body={} if method == "POST" else None)
            self.assertError(r, 401)
            self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")
        for path in ("/healthz", "/api/config"):
            self.assertEqual(self.reg.get(path).status, 200)

    def test_admin_only(self):
        self.assertError(self.reg.post("/api/pairing/generate-code", key=ALPHA), 403)
        self.assertError(self.reg.get("/api/keys", key=ALPHA), 403)


class TestAnonymousAny(RegistryTestCase):
    args = ("--anonymous", "any")

    def test_reference_open_behaviour(self):
        r = self.reg.post("/api/registry/agents", agent_body("anon"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.reg.get("/api/registry/agents").status, 200)
        r = self.reg.post("/api/pairing/generate-code")
        self.assertEqual(r.status, 200, r)
        # a presented credential is still checked
        self.assertError(self.reg.get("/api/registry/agents", key="bad"), 401)


class TestAnonymousLoopback(RegistryTestCase):
    args = ("--anonymous", "loopback")

    def test_loopback_is_open(self):
        self.assertEqual(self.reg.get("/api/hub/tasks/all").status, 200)


class TestChatixiaClients(RegistryTestCase):
    """the exact requests chatixia's Python agent and React hub make (chatixia-wire §8, §9)"""

    def test_python_agent_and_hub(self):
        builtin = ["delegate", "list_agents", "mesh_send", "mesh_broadcast"]
        r = self.reg.post("/api/registry/agents",
                          {"agent_id": "py-agent", "hostname": "box",
                           "sidecar_peer_id": "py-agent-sidecar",
                           "capabilities": {"skills": builtin, "mcp_servers": [], "goals_count": 0,
                                            "mode": "interactive"}},
                          headers={"x-api-key": ALPHA})
        self.assertEqual(r.status, 200, r)
        hb = {"agent_id": "py-agent", "hostname": "box", "sidecar_peer_id": "py-agent-sidecar",
              "skill_names": builtin}
        r = self.reg.post("/api/hub/heartbeat", hb, headers={"x-api-key": ALPHA})
        self.assertEqual(r.json, {"status": "ok", "pending_tasks": []})
        # the hub's intervene panel
        r = self.reg.post("/api/hub/tasks", {"skill": "user_intervention",
                                             "target_agent_id": "py-agent",
                                             "source_agent_id": "hub-user",
                                             "payload": {"message": "hello"}}, key=ADMIN)
        tid = r.json["task_id"]
        r = self.reg.post("/api/hub/heartbeat", hb, headers={"x-api-key": ALPHA})
        task = [t for t in r.json["pending_tasks"] if t["id"] == tid][0]
        for field in ("id", "skill", "payload", "source_agent_id"):
            self.assertIn(field, task)
        r = self.reg.post("/api/hub/tasks/" + tid,
                          {"state": "completed", "result": "Received: hello", "error": ""},
                          headers={"x-api-key": ALPHA})
        self.assertEqual(r.status, 200, r)
        # the hub's four polls
        for path in ("/api/registry/agents", "/api/hub/tasks/all", "/api/pairing/pending"):
            self.assertIsInstance(self.reg.get(path, key=ADMIN).json, list)
        topo = self.reg.get("/api/hub/network/topology", key=ADMIN).json
        self.assertIn("nodes", topo)
        self.assertIn("mesh_edges", topo)
        # shutdown
        r = self.reg.delete("/api/registry/agents/py-agent", headers={"x-api-key": ALPHA})
        self.assertEqual(r.json, {"status": "ok"})

    def test_least_loaded_route(self):
        self.reg.post("/api/registry/agents", agent_body("lb-a", ["lb"]), key=ALPHA)
        self.reg.post("/api/registry/agents", agent_body("lb-b", ["lb"]), key=BETA)
        self.reg.post("/api/hub/heartbeat", {"agent_id": "lb-a", "capacity": 1,
                                             "running_tasks": 1}, key=ALPHA)
        self.reg.post("/api/hub/heartbeat", {"agent_id": "lb-b", "capacity": 4,
                                             "running_tasks": 1}, key=BETA)
        self.assertEqual(self.reg.get("/api/registry/route?skill=lb", key=ALPHA).json["agent_id"],
                         "lb-b")
        self.reg.post("/api/hub/heartbeat", {"agent_id": "lb-a", "running_tasks": 0}, key=ALPHA)
        self.reg.post("/api/hub/heartbeat", {"agent_id": "lb-b", "running_tasks": 4}, key=BETA)
        r = self.reg.get("/api/registry/route?skill=lb", key=ALPHA)
        self.assertEqual(r.json["agent_id"], "lb-a")
        self.assertEqual(r.json["capacity"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
