# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pairing end to end (chatixia-wire §2.8 with Weft's claim step) against the real registry."""

import asyncio
import json
import os
import sys
import unittest

import websockets
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_harness import Registry  # noqa: E402

ADMIN = "ak_admin"


class PairingTestCase(unittest.TestCase):
    options = ("limits.pairing-attempts=1000",)

    @classmethod
    def setUpClass(cls):
        cls.reg = Registry(options=cls.options).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.reg.stop()
        log = cls.reg.read_log()
        cls.reg.cleanup()
        if rc != 0:
            raise AssertionError("registry exited with %r:\n%s" % (rc, log))

    def code(self):
        r = self.reg.post("/api/pairing/generate-code", key=ADMIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json), {"code", "expires_in"})
        self.assertRegex(r.json["code"], r"^[0-9]{6}$")
        self.assertEqual(r.json["expires_in"], 300)
        return r.json["code"]

    def pair(self, name="paired-agent"):
        r = self.reg.post("/api/pairing/pair", {"code": self.code(), "agent_name": name})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "pending_approval")
        self.assertRegex(r.json["id"], r"^[0-9a-f]{8}$")
        self.assertRegex(r.json["peer_id"], r"^agent-[0-9a-f]{6}$")
        self.assertTrue(r.json["claim_token"])
        return r.json

    def claim(self, entry, token=None):
        return self.reg.post("/api/pairing/%s/claim" % entry["id"],
                             {"claim_token": token or entry["claim_token"]})

    def assertError(self, r, status, message=None):
        self.assertEqual(r.status, status, r)
        self.assertIn("error", r.json)
        if message is not None:
            self.assertEqual(r.json["error"], message)


class TestPairingFlow(PairingTestCase):
    def test_full_flow(self):
        entry = self.pair("  worker-7  ")
        r = self.claim(entry)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["status"], "pending_approval")
        self.assertError(self.claim(entry, "wrong-token"), 401)

        r = self.reg.get("/api/pairing/pending", key=ADMIN)
        self.assertEqual(r.status, 200)
        mine = [e for e in r.json if e["id"] == entry["id"]][0]
        self.assertEqual(mine["agent_name"], "worker-7")
        self.assertEqual(mine["status"], "pending_approval")
        self.assertNotIn("device_token", mine)
        self.assertIsInstance(mine["created_at"], float)

        self.assertError(self.reg.post("/api/pairing/%s/approve" % entry["id"], key="ak_alpha"),
                         403)
        r = self.reg.post("/api/pairing/%s/approve" % entry["id"], key=ADMIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"id": entry["id"], "status": "approved",
                                  "peer_id": entry["peer_id"]})
        self.assertEqual(self.reg.post("/api/pairing/%s/approve" % entry["id"], key=ADMIN).status,
                         409)

        r = self.claim(entry)
        self.assertEqual(r.status, 200, r)
        device_token = r.json["device_token"]
        self.assertRegex(device_token, r"^dt_[0-9a-f]{32}$")
        self.assertError(self.claim(entry), 410)

        r = self.reg.get("/api/pairing/all", key=ADMIN)
        self.assertNotIn(device_token, r.raw)
        self.assertNotIn("device_token", r.raw)

        r = self.reg.post("/api/token", headers={"X-Device-Token": device_token})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["peer_id"], entry["peer_id"])
        self.assertEqual(r.json["role"], "agent")
        token = r.json["token"]
        # a device token works as a bearer credential too
        self.assertEqual(self.reg.get("/api/registry/agents", token=device_token).status, 200)

        async def socket_until_revoked():
            ws = await websockets.connect(self.reg.ws_url + "?token=" + token)
            await ws.send(json.dumps({"type": "register", "peer_id": entry["peer_id"]}))
            self.assertEqual(json.loads(await ws.recv())["type"], "peer_list")
            r = self.reg.post("/api/pairing/%s/revoke" % entry["id"], key=ADMIN)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json, {"status": "ok"})
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            except ConnectionClosed as e:
                return e.rcvd.code

        self.assertEqual(asyncio.run(socket_until_revoked()), 4003)
        self.assertError(self.reg.post("/api/token", headers={"X-Device-Token": device_token}),
                         401)
        self.assertError(self.reg.get("/api/registry/agents", token=token), 401)
        self.assertEqual(self.reg.post("/api/pairing/%s/revoke" % entry["id"], key=ADMIN).status,
                         409)

    def test_reject(self):
        entry = self.pair()
        r = self.reg.post("/api/pairing/%s/reject" % entry["id"], key=ADMIN)
        self.assertEqual(r.json, {"status": "ok"})
        self.assertError(self.claim(entry), 403)
        self.assertEqual(self.reg.post("/api/pairing/%s/approve" % entry["id"], key=ADMIN).status,
                         409)
        r = self.reg.get("/api/pairing/pending", key=ADMIN)
        self.assertNotIn(entry["id"], [e["id"] for e in r.json])

    def test_unknown_entry(self):
        for action in ("approve", "reject", "revoke"):
            self.assertError(self.reg.post("/api/pairing/ffffffff/" + action, key=ADMIN), 404)
        self.assertError(self.reg.post("/api/pairing/ffffffff/claim", {"claim_token": "x"}), 404)

    def test_bad_requests(self):
        self.assertError(self.reg.post("/api/pairing/pair", {"code": "12345", "agent_name": "a"}),
                         400, "code must be exactly 6 digits")
        self.assertError(self.reg.post("/api/pairing/pair", {"code": "12a456", "agent_name": "a"}),
                         400, "code must be exactly 6 digits")
        self.assertError(self.reg.post("/api/pairing/pair",
                                       {"code": self.code(), "agent_name": "   "}),
                         400, "agent_name is required")
        self.assertError(self.reg.post("/api/pairing/pair", {"code": "123456"}), 422)
        self.assertError(self.reg.post("/api/pairing/pair", {"code": 123456, "agent_name": "a"}),
                         422)
        self.assertError(self.reg.post("/api/pairing/pair", raw="{"), 400)
        self.assertError(self.reg.post("/api/pairing/pair", {"code": "1", "agent_name": "a"},
                                       content_type="text/plain"), 415)
        self.assertError(self.reg.post("/api/pairing/ffffffff/claim", {}), 422)

    def test_code_is_single_use(self):
        code = self.code()
        r = self.reg.post("/api/pairing/pair", {"code": code, "agent_name": "a"})
        self.assertEqual(r.status, 200, r)
        self.assertError(self.reg.post("/api/pairing/pair", {"code": code, "agent_name": "b"}),
                         401, "invalid or expired pairing code")

    def test_lists_need_auth(self):
        self.assertError(self.reg.get("/api/pairing/pending"), 401)
        self.assertError(self.reg.get("/api/pairing/all"), 401)
        self.assertError(self.reg.post("/api/pairing/generate-code"), 401)
        self.assertError(self.reg.post("/api/pairing/generate-code", key="ak_alpha"), 403)


class TestPairingRateLimit(PairingTestCase):
    options = ()

    def test_sixth_attempt_is_refused(self):
        for _ in range(5):
            r = self.reg.post("/api/pairing/pair", {"code": "000000", "agent_name": "x"})
            self.assertEqual(r.status, 401, r)
        self.assertError(self.reg.post("/api/pairing/pair", {"code": "000000", "agent_name": "x"}),
                         429, "too many pairing attempts, try again later")
        # the rest of the registry is unaffected
        self.assertEqual(self.reg.get("/healthz").status, 200)


class TestKeys(PairingTestCase):
    def test_key_management(self):
        r = self.reg.get("/api/keys", key=ADMIN)
        self.assertEqual(r.status, 200)
        self.assertEqual({k["source"] for k in r.json}, {"file"})
        self.assertNotIn("ak_admin", r.raw)
        r = self.reg.post("/api/keys", {"peer_id": "zeta", "role": "admin"}, key=ADMIN)
        self.assertEqual(r.status, 201, r)
        key, key_id = r.json["key"], r.json["id"]
        self.assertEqual(r.json["role"], "admin")
        r = self.reg.post("/api/token", key=key)
        self.assertEqual(r.json["peer_id"], "zeta")
        self.assertEqual(r.json["role"], "admin")
        listed = {k["id"]: k for k in self.reg.get("/api/keys", key=ADMIN).json}
        self.assertEqual(listed[key_id]["source"], "database")
        self.assertNotIn(key, json.dumps(list(listed.values())))
        self.assertError(self.reg.post("/api/keys", {"peer_id": "x", "role": "root"}, key=ADMIN),
                         422)
        self.assertError(self.reg.post("/api/keys", {"role": "agent"}, key=ADMIN), 422)
        file_key = [k for k in listed.values() if k["source"] == "file"][0]
        self.assertError(self.reg.delete("/api/keys/" + file_key["id"], key=ADMIN), 409)
        self.assertEqual(self.reg.delete("/api/keys/" + key_id, key=key).status, 200)
        self.assertError(self.reg.delete("/api/keys/" + key_id, key=ADMIN), 404)
        self.assertError(self.reg.post("/api/token", key=key), 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
