# SPDX-License-Identifier: LGPL-2.1-or-later
"""Signaling over /ws with real WebSocket clients: chatixia-wire §4 plus Weft's rules."""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import unittest

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatusCode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_harness import SECRET, Registry, agent_body  # noqa: E402

QUIET = 0.4  # how long "nothing arrives" is watched


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge_token(claims):
    """an HS256 token signed with the registry's secret, as only the registry could make"""
    header = b64url(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(SECRET.encode(), (header + "." + body).encode(), hashlib.sha256).digest()
    return header + "." + body + "." + b64url(sig)


class Peer:
    def __init__(self, ws, peer_id):
        self.ws = ws
        self.peer_id = peer_id

    async def send(self, type_, target=None, payload=None, peer_id=None, **extra):
        frame = {"type": type_, "peer_id": peer_id or self.peer_id, "payload": payload}
        if target is not None:
            frame["target_id"] = target
        frame.update(extra)
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout=5.0):
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def recv_type(self, type_, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %s frame for %s" % (type_, self.peer_id))
            frame = await self.recv(left)
            if frame["type"] == type_:
                return frame

    async def expect_nothing(self, timeout=QUIET, ignore=("peer_joined", "peer_left")):
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
                if frame["type"] not in ignore:
                    raise AssertionError("unexpected frame for %s: %r" % (self.peer_id, frame))
        except asyncio.TimeoutError:
            return

    async def wait_closed(self, timeout=10.0):
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as e:
            return e.rcvd.code if e.rcvd else None, e.rcvd.reason if e.rcvd else None


class SignalingTestCase(unittest.TestCase):
    options = ()

    def setUp(self):
        self.reg = Registry(options=self.options).start()

    def tearDown(self):
        rc = self.reg.stop()
        log = self.reg.read_log()
        self.reg.cleanup()
        self.assertEqual(rc, 0, log)

    async def connect(self, key=None, token=None, register=True, agent=None):
        if token is None:
            r = self.reg.post("/api/token", key=key)
            self.assertEqual(r.status, 200, r)
            token, peer_id = r.json["token"], r.json["peer_id"]
        else:
            peer_id = None
        ws = await websockets.connect(self.reg.ws_url + "?token=" + token, compression=None,
                                      max_size=None)
        if peer_id is None:
            claims = token.split(".")[1]
            peer_id = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["sub"]
        peer = Peer(ws, peer_id)
        if register:
            await peer.send("register", payload={"agent_id": agent} if agent else None)
            frame = await peer.recv_type("peer_list")
            peer.first_list = frame
        return peer

    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, 60))


class TestSignaling(SignalingTestCase):
    def test_register_peer_list_presence_relay(self):
        async def scenario():
            alpha = await self.connect("ak_alpha")
            self.assertEqual(alpha.first_list, {"type": "peer_list", "peer_id": "registry",
                                                "payload": {"peers": []}})
            beta = await self.connect("ak_beta")
            self.assertEqual(beta.first_list["payload"]["peers"], ["alpha-sidecar"])
            joined = await alpha.recv_type("peer_joined")
            self.assertEqual(joined["payload"], {"peer_id": "beta-sidecar"})
            gamma = await self.connect("ak_gamma")
            self.assertEqual(sorted(gamma.first_list["payload"]["peers"]),
                             ["alpha-sidecar", "beta-sidecar"])
            for p in (alpha, beta):
                self.assertEqual((await p.recv_type("peer_joined"))["payload"]["peer_id"],
                                 "gamma-sidecar")
            # a second register gives a fresh list and no second presence frame
            await alpha.send("register")
            frame = await alpha.recv_type("peer_list")
            self.assertEqual(sorted(frame["payload"]["peers"]), ["beta-sidecar", "gamma-sidecar"])

            sdp = {"sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
            await alpha.send("offer", "beta-sidecar", sdp)
            frame = await beta.recv_type("offer")
            self.assertEqual(frame, {"type": "offer", "peer_id": "alpha-sidecar",
                                     "target_id": "beta-sidecar", "payload": sdp})
            await beta.send("answer", "alpha-sidecar", {"sdp": "v=0\r\n"})
            self.assertEqual((await alpha.recv_type("answer"))["peer_id"], "beta-sidecar")
            cand = {"candidate": "candidate:1 1 udp 2130706431 192.0.2.4 50000 typ host",
                    "sdpMid": "", "sdpMLineIndex": 0}
            await alpha.send("ice_candidate", "gamma-sidecar", cand)
            self.assertEqual((await gamma.recv_type("ice_candidate"))["payload"], cand)

            # spoofed sender: dropped, nobody gets it
            await alpha.send("offer", "gamma-sidecar", sdp, peer_id="beta-sidecar")
            await gamma.expect_nothing()
            # unknown target, missing target, heartbeat, unknown type: silently ignored
            await alpha.send("offer", "nobody", sdp)
            await alpha.send("offer", None, sdp)
            await alpha.send("heartbeat")
            await alpha.send("something_else", "beta-sidecar")
            await beta.expect_nothing()
            await alpha.expect_nothing()

            await gamma.ws.close()
            for p in (alpha, beta):
                self.assertEqual((await p.recv_type("peer_left"))["payload"]["peer_id"],
                                 "gamma-sidecar")
            await alpha.ws.close()
            await beta.ws.close()

        self.run_async(scenario())

    def test_unauthorised_peer(self):
        keys = self.reg.get("/api/keys", key="ak_admin").json
        alpha_key = [k for k in keys if k["peer_id"] == "alpha-sidecar"][0]
        now = int(time.time())
        token = forge_token({"sub": "mallory", "role": "agent", "exp": now + 300, "iat": now,
                             "cid": "key:" + alpha_key["id"]})

        async def scenario():
            beta = await self.connect("ak_beta")
            mallory = await self.connect(token=token)
            self.assertEqual(mallory.first_list["payload"]["peers"], [])
            # nobody hears of an unauthorised peer
            await beta.expect_nothing(ignore=())
            await mallory.send("offer", "beta-sidecar", {"sdp": "x"})
            await beta.expect_nothing(ignore=())
            await beta.send("offer", "mallory", {"sdp": "x"})
            await mallory.expect_nothing(ignore=())
            await beta.ws.close()
            await mallory.ws.close()

        self.run_async(scenario())

    def test_last_wins_without_dropping_the_new_socket(self):
        async def scenario():
            beta = await self.connect("ak_beta")
            first = await self.connect("ak_alpha")
            second = await self.connect("ak_alpha")
            code, reason = await first.wait_closed()
            self.assertEqual(code, 4000)
            self.assertIn("replaced", reason)
            # the old socket's close must not remove the new entry
            await asyncio.sleep(0.2)
            await beta.send("offer", "alpha-sidecar", {"sdp": "y"})
            self.assertEqual((await second.recv_type("offer"))["peer_id"], "beta-sidecar")
            await beta.ws.close()
            await second.ws.close()

        self.run_async(scenario())

    def test_upgrade_errors(self):
        async def scenario():
            for url in (self.reg.ws_url, self.reg.ws_url + "?token=nope",
                        self.reg.ws_url + "?token=" + forge_token({"sub": "x", "role": "agent",
                                                                   "exp": 1, "iat": 0,
                                                                   "cid": "key:x"})):
                with self.assertRaises(InvalidStatusCode) as cm:
                    await websockets.connect(url)
                self.assertEqual(cm.exception.status_code, 401)
            # a bearer header works as well as the query parameter
            token = self.reg.token("ak_alpha")
            ws = await websockets.connect(self.reg.ws_url,
                                          extra_headers={"Authorization": "Bearer " + token})
            await ws.send(json.dumps({"type": "register", "peer_id": "alpha-sidecar"}))
            self.assertEqual(json.loads(await ws.recv())["type"], "peer_list")
            await ws.close()

        self.run_async(scenario())
        r = self.reg.get("/ws?token=" + self.reg.token("ak_alpha"))
        self.assertEqual(r.status, 400)
        self.assertIn("error", r.json)
        r = self.reg.post("/ws", {})
        self.assertEqual(r.status, 405)

    def test_revoked_key_closes_socket(self):
        r = self.reg.post("/api/keys", {"peer_id": "epsilon", "role": "agent"}, key="ak_admin")
        self.assertEqual(r.status, 201, r)
        key_id, key = r.json["id"], r.json["key"]

        async def scenario():
            eps = await self.connect(key)
            token = self.reg.token(key)
            r = self.reg.delete("/api/keys/" + key_id, key="ak_admin")
            self.assertEqual(r.status, 200, r)
            code, reason = await eps.wait_closed()
            self.assertEqual(code, 4003)
            self.assertIn("revoked", reason)
            # and its tokens stop working everywhere
            self.assertEqual(self.reg.get("/api/registry/agents", token=token).status, 401)
            self.assertEqual(self.reg.post("/api/token", key=key).status, 401)

        self.run_async(scenario())

    def test_task_push(self):
        self.assertEqual(self.reg.post("/api/registry/agents", agent_body("alpha", ["echo"]),
                                       key="ak_alpha").status, 200)

        async def scenario():
            alpha = await self.connect("ak_alpha", agent="alpha")
            beta = await self.connect("ak_beta")
            r = self.reg.post("/api/hub/tasks", {"skill": "echo", "payload": {"message": "hi"}},
                              key="ak_beta")
            tid = r.json["task_id"]
            frame = await alpha.recv_type("task_assigned")
            self.assertEqual(frame["peer_id"], "registry")
            self.assertEqual(frame["target_id"], "alpha-sidecar")
            self.assertEqual(frame["payload"]["agent_id"], "alpha")
            task = frame["payload"]["task"]
            self.assertEqual(task["id"], tid)
            self.assertEqual(task["state"], "assigned")
            self.assertEqual(task["payload"], {"message": "hi"})
            r = self.reg.post("/api/hub/tasks/" + tid, {"state": "completed", "result": "hi"},
                              key="ak_alpha")
            self.assertEqual(r.status, 200, r)
            while True:
                frame = await beta.recv_type("task_updated")
                if frame["payload"]["task"]["state"] == "completed":
                    break
            self.assertEqual(frame["payload"]["task"]["id"], tid)
            self.assertEqual(frame["payload"]["task"]["result"], "hi")
            await alpha.ws.close()
            await beta.ws.close()

        self.run_async(scenario())

    def test_sidecar_without_agent_id_gets_no_push(self):
        """a chatixia sidecar does not name its agent; its agent keeps finding tasks in
        heartbeat replies"""
        self.assertEqual(self.reg.post("/api/registry/agents", agent_body("alpha", ["echo"]),
                                       key="ak_alpha").status, 200)

        async def scenario():
            sidecar = await self.connect("ak_alpha")
            tid = self.reg.post("/api/hub/tasks", {"skill": "echo"}, key="ak_beta").json["task_id"]
            await sidecar.expect_nothing()
            r = self.reg.post("/api/hub/heartbeat", {"agent_id": "alpha", "skill_names": ["echo"]},
                              key="ak_alpha")
            self.assertIn(tid, [t["id"] for t in r.json["pending_tasks"]])
            await sidecar.ws.close()

        self.run_async(scenario())

    def test_push_to_another_credentials_agent_refused(self):
        """a socket may only ask for the tasks of an agent its credential owns"""
        self.assertEqual(self.reg.post("/api/registry/agents", agent_body("alpha", ["echo"]),
                                       key="ak_alpha").status, 200)

        async def scenario():
            thief = await self.connect("ak_beta", agent="alpha")
            self.reg.post("/api/hub/tasks", {"skill": "echo"}, key="ak_gamma")
            await thief.expect_nothing()
            await thief.ws.close()

        self.run_async(scenario())

    def test_socket_before_registration(self):
        """the socket may name its agent before the agent registers over HTTP"""
        async def scenario():
            alpha = await self.connect("ak_alpha", agent="late")
            self.assertEqual(self.reg.post("/api/registry/agents", agent_body("late", ["echo"]),
                                           key="ak_alpha").status, 200)
            tid = self.reg.post("/api/hub/tasks", {"skill": "echo"}, key="ak_beta").json["task_id"]
            frame = await alpha.recv_type("task_assigned")
            self.assertEqual(frame["payload"]["task"]["id"], tid)
            await alpha.ws.close()

        self.run_async(scenario())

    def test_deep_nesting_is_dropped(self):
        async def scenario():
            alpha = await self.connect("ak_alpha")
            await alpha.ws.send("[" * 200000)
            await alpha.ws.send("{\"type\": \"register\", \"payload\": " + "[" * 129
                                + "]" * 129 + "}")
            # the socket is still served
            await alpha.send("register")
            self.assertEqual((await alpha.recv_type("peer_list"))["type"], "peer_list")
            await alpha.ws.close()

        self.run_async(scenario())
        self.assertTrue(self.reg.alive(), self.reg.read_log())


class TestExpiry(SignalingTestCase):
    options = ("timings.jwt-lifetime=2", "timings.jwt-leeway=0")

    def test_expired_token_closes_socket(self):
        async def scenario():
            alpha = await self.connect("ak_alpha")
            started = time.monotonic()
            code, reason = await alpha.wait_closed(timeout=10)
            self.assertEqual(code, 4001)
            self.assertIn("expired", reason)
            self.assertLess(time.monotonic() - started, 6)

        self.run_async(scenario())


class TestLimits(SignalingTestCase):
    options = ("limits.ws-max-message-size=4096", "limits.ws-max-frames-per-second=20",
               "limits.ws-frame-burst=40")

    def test_garbage_is_ignored(self):
        async def scenario():
            alpha = await self.connect("ak_alpha")
            for junk in ("not json", "[1,2,3]", "{\"type\": 5, \"peer_id\": \"alpha-sidecar\"}",
                         "{\"peer_id\": \"alpha-sidecar\"}", "\"string\"", "{}",
                         "{\"type\":\"offer\",\"peer_id\":\"alpha-sidecar\",\"target_id\":7}"):
                await alpha.ws.send(junk)
            await alpha.ws.send(b"\x00\x01binary")
            await alpha.send("register")
            self.assertEqual((await alpha.recv_type("peer_list"))["type"], "peer_list")
            await alpha.ws.close()

        self.run_async(scenario())

    def test_oversized_message_closes(self):
        async def scenario():
            alpha = await self.connect("ak_alpha")
            await alpha.ws.send("x" * 6000)
            code, reason = await alpha.wait_closed()
            self.assertEqual(code, 1009)
            # far past the limit, the connection just ends
            beta = await self.connect("ak_beta")
            try:
                await beta.ws.send("x" * 100000)
            except ConnectionClosed:
                pass
            await beta.wait_closed()

        self.run_async(scenario())

    def test_fragmented_message_is_bounded(self):
        async def scenario():
            alpha = await self.connect("ak_alpha")
            # a small message in fragments is fine
            await alpha.ws.send(iter(['{"type":"regis', 'ter","peer_id":"alpha-sidecar"}']))
            self.assertEqual((await alpha.recv_type("peer_list"))["type"], "peer_list")

            # a huge one is cut off long before it is all sent
            def fragments():
                for _ in range(4000):
                    yield "x" * 1000

            try:
                await alpha.ws.send(fragments())
            except ConnectionClosed:
                pass
            await alpha.wait_closed()

        self.run_async(scenario())
        self.assertIn("fragmented WebSocket message larger than 4096 bytes", self.reg.read_log())

    def test_flood_closes(self):
        async def scenario():
            alpha = await self.connect("ak_alpha")
            try:
                for _ in range(500):
                    await alpha.send("heartbeat")
            except ConnectionClosed:
                pass
            code, reason = await alpha.wait_closed()
            self.assertEqual(code, 4008)
            # the server keeps serving
            beta = await self.connect("ak_beta")
            await beta.ws.close()

        self.run_async(scenario())
        self.assertEqual(self.reg.get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
