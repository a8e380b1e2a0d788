# SPDX-License-Identifier: LGPL-2.1-or-later
"""A catalogue of bad input: every case gets a 4xx or a close, and the registry keeps serving."""

import base64
import hashlib
import hmac
import http.client
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_harness import SECRET, Registry  # noqa: E402

KEY = "ak_alpha"

JSON_ENDPOINTS = [
    "/api/registry/agents",
    "/api/hub/heartbeat",
    "/api/hub/tasks",
    "/api/hub/tasks/abc123",
    "/api/pairing/pair",
    "/api/pairing/abc/claim",
    "/api/keys",
]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(header, claims, secret=SECRET):
    h = b64url(json.dumps(header).encode())
    c = b64url(json.dumps(claims).encode())
    s = hmac.new(secret.encode(), (h + "." + c).encode(), hashlib.sha256).digest()
    return h + "." + c + "." + b64url(s)


def status_of(raw):
    """the status code of a raw HTTP answer, or None for a closed connection"""
    if not raw.startswith(b"HTTP/1.1 "):
        return None
    return int(raw[9:12])


class TestBadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reg = Registry(options=("limits.max-body-size=65536",
                                    "limits.max-connections-per-address=40")).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.reg.stop()
        log = cls.reg.read_log()
        cls.reg.cleanup()
        if rc != 0:
            raise AssertionError("registry exited with %r:\n%s" % (rc, log))

    def tearDown(self):
        # after every case the registry still answers
        self.assertTrue(self.reg.alive(), self.reg.read_log())
        self.assertEqual(self.reg.get("/healthz").status, 200)

    def assertJsonError(self, r, status):
        self.assertEqual(r.status, status, r)
        self.assertIsInstance(r.json, dict, r)
        self.assertIsInstance(r.json.get("error"), str, r)

    def test_not_json(self):
        for path in JSON_ENDPOINTS:
            key = "ak_admin" if path == "/api/keys" else KEY
            for raw in ("", "{", "nul\x00l", "{\"a\": }", "\xff\xfe", "[" * 10000, "1e999999"):
                r = self.reg.post(path, raw=raw, key=key)
                self.assertIn(r.status, (400, 422), (path, raw[:20], r))
                self.assertIsInstance(r.json.get("error"), str)

    def test_deep_nesting(self):
        # json-glib parses recursively: nesting this deep overflowed the stack
        for raw in ("[" * 60000, "{\"a\":" * 10000 + "1" + "}" * 10000,
                    "[" * 129 + "]" * 129):
            for path in JSON_ENDPOINTS:
                key = "ak_admin" if path == "/api/keys" else KEY
                r = self.reg.post(path, raw=raw, key=key)
                self.assertIn(r.status, (400, 422), (path, raw[:20], r))
                self.assertIn("nested deeper than 128", r.json.get("error"), (path, r))
        # as deep as allowed is still JSON
        r = self.reg.post("/api/hub/tasks", raw="{\"skill\": \"x\", \"payload\": "
                          + "[" * 127 + "]" * 127 + "}", key=KEY)
        self.assertEqual(r.status, 200, r)
        self.assertIn("task_id", r.json)

    def test_half_surrogate_pairs(self):
        # json-glib decodes a lone surrogate escape to bytes that are not UTF-8;
        # stored, they came back as invalid JSON
        # json-glib refuses some itself, quoting the bytes it made: the error that
        # comes back must still be UTF-8 (the harness decodes it strictly)
        for raw, says in (('{"agent_id": "a\\ud83d", "hostname": "h"}', "string constant"),
                          ('{"agent_id": "a", "hostname": "\\ude00x"}', "UTF-8"),
                          ('{"agent_id": "a", "hostname": "h", "capabilities": {"\\ud83d": 1}}',
                           "Parse error")):
            r = self.reg.post("/api/registry/agents", raw=raw, key=KEY)
            self.assertEqual(r.status, 400, (raw, r))
            self.assertIn(says, r.json["error"])
        # a whole pair is one character
        r = self.reg.post("/api/registry/agents", raw='{"agent_id": "smile-\\ud83d\\ude00", '
                          '"hostname": "h"}', key=KEY)
        self.assertEqual(r.status, 200, r)
        r = self.reg.get("/api/registry/agents/smile-%F0%9F%98%80", key=KEY)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["agent_id"], "smile-\U0001F600")

    def test_wrong_types(self):
        cases = [
            ("/api/registry/agents", {"agent_id": "a", "hostname": ["h"]}),
            ("/api/registry/agents", {"agent_id": "a", "hostname": "h", "capabilities": []}),
            ("/api/registry/agents", {"agent_id": "a", "hostname": "h",
                                      "capabilities": {"skills": "x"}}),
            ("/api/registry/agents", {"agent_id": "a", "hostname": "h", "port": -1}),
            ("/api/registry/agents", [1, 2]),
            ("/api/hub/heartbeat", {"agent_id": None}),
            ("/api/hub/heartbeat", {"agent_id": "a", "skill_names": [1]}),
            ("/api/hub/heartbeat", {"agent_id": "a", "uptime_seconds": "long"}),
            ("/api/hub/tasks", {"ttl": "300"}),
            ("/api/hub/tasks", {"ttl": 1.5}),
            ("/api/hub/tasks", "string"),
            ("/api/pairing/pair", {"code": ["1"], "agent_name": "a"}),
            ("/api/pairing/abc/claim", {"claim_token": 5}),
        ]
        for path, body in cases:
            self.assertJsonError(self.reg.post(path, body, key=KEY), 422)

    def test_wrong_content_types(self):
        for path in JSON_ENDPOINTS:
            key = "ak_admin" if path == "/api/keys" else KEY
            for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                          "application/jsonx", "json", None):
                r = self.reg.post(path, {}, key=key, content_type=ctype)
                self.assertJsonError(r, 415)

    def test_huge_bodies(self):
        big = b"{\"agent_id\": \"" + b"a" * 200000 + b"\", \"hostname\": \"h\"}"
        try:
            r = self.reg.post("/api/registry/agents", raw=big, key=KEY)
            self.assertJsonError(r, 413)
        except (ConnectionError, http.client.HTTPException, OSError):
            pass  # a close is an acceptable answer too
        # a Content-Length far past the limit is refused before any body is sent
        raw = self.reg.raw_http(b"POST /api/hub/tasks HTTP/1.1\r\nHost: x\r\n"
                                b"X-API-Key: ak_alpha\r\nContent-Type: application/json\r\n"
                                b"Content-Length: 100000000000\r\n\r\n{}")
        self.assertEqual(status_of(raw), 413, raw)
        self.assertIn(b"\"error\"", raw)
        # a chunked body is cut off once it passes the limit
        with socket.create_connection(("127.0.0.1", self.reg.port), timeout=10) as s:
            s.sendall(b"POST /api/hub/tasks HTTP/1.1\r\nHost: x\r\nX-API-Key: ak_alpha\r\n"
                      b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (8192, b" " * 8192)
            answer = b""
            try:
                for _ in range(64):
                    s.sendall(chunk)
            except OSError:
                pass
            try:
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    answer += data
            except OSError:
                pass
            self.assertIn(status_of(answer), (413, None), answer[:200])

    def test_bad_tokens(self):
        now = int(time.time())
        keys = self.reg.get("/api/keys", key="ak_admin").json
        cid = "key:" + keys[0]["id"]
        good_claims = {"sub": "alpha-sidecar", "role": "agent", "exp": now + 300, "iat": now,
                       "cid": cid}
        tokens = [
            "",
            "x",
            "a.b.c",
            "....",
            sign({"alg": "HS256", "typ": "JWT"}, dict(good_claims, exp=now - 120)),  # expired
            sign({"alg": "HS256", "typ": "JWT"}, good_claims, secret="other-secret"),
            sign({"alg": "HS256", "typ": "JWT"}, {k: v for k, v in good_claims.items()
                                                  if k != "exp"}),
            sign({"alg": "HS256", "typ": "JWT"}, dict(good_claims, role="root")),
            sign({"alg": "HS256", "typ": "JWT"}, dict(good_claims, cid="key:nope")),
            sign({"alg": "HS256", "typ": "JWT"}, dict(good_claims, aud="x")),
            b64url(b'{"alg":"none","typ":"JWT"}') + "." + b64url(json.dumps(good_claims).encode())
            + ".",
            "A" * 10000,
        ]
        for i, t in enumerate(tokens):
            r = self.reg.get("/api/registry/agents", token=t)
            self.assertEqual(r.status, 401, (i, t[:60], r))
            self.assertIsInstance(r.json.get("error"), str)
        # the properly signed one works, so the cases above fail for the reason they show
        ok = sign({"alg": "HS256", "typ": "JWT"}, good_claims)
        self.assertEqual(self.reg.get("/api/registry/agents", token=ok).status, 200)
        for k in ("ak_alph", "ak_alpha_", "AK_ALPHA", "x" * 5000):
            self.assertJsonError(self.reg.get("/api/registry/agents", key=k), 401)

    def test_unknown_paths_and_methods(self):
        for path in ("/x", "/api", "/api/", "/api/registry", "/api/hub/tasks/a/b/c",
                     "/api/registry/agents/a/b", "/%2e%2e/etc/passwd", "/api/../../etc/passwd",
                     "/" + "a" * 5000):
            r = self.reg.get(path, key=KEY)
            self.assertIn(r.status, (400, 404), (path, r))
        for method in ("PUT", "PATCH", "DELETE"):
            r = self.reg.request(method, "/api/hub/tasks", key=KEY)
            self.assertJsonError(r, 405)
            self.assertIn("POST", r.headers["Allow"])
        r = self.reg.request("BREW", "/api/hub/tasks", key=KEY)
        self.assertIn(r.status, (400, 405, 501))

    def test_raw_protocol_garbage(self):
        for raw in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x00\x01\x02\x03\r\n\r\n",
                    b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 200000
                    + b"\r\n\r\n",
                    b"POST /api/hub/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                    b"POST /api/hub/tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"):
            answer = self.reg.raw_http(raw)
            status = status_of(answer)
            # 501 is what RFC 9112 asks for an unknown transfer coding
            self.assertTrue(status is None or 400 <= status < 500 or status == 501, answer[:200])

    def test_connection_limit(self):
        socks = []
        try:
            for _ in range(45):
                s = socket.create_connection(("127.0.0.1", self.reg.port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                socks.append(s)
            answers = []
            for s in socks:
                try:
                    answers.append(status_of(s.recv(4096)))
                except OSError:
                    answers.append(None)
            self.assertEqual(answers.count(200), 40, answers)
            self.assertIn(429, answers)
        finally:
            for s in socks:
                s.close()
        time.sleep(0.3)

    def test_hung_up_connections_are_released(self):
        """clients that open keep-alive connections and hang up do not pile up descriptors"""
        def fds():
            return len(os.listdir("/proc/%d/fd" % self.reg.proc.pid))

        time.sleep(0.3)
        self.reg.get("/healthz")
        before = fds()
        for _ in range(3):
            socks = [socket.create_connection(("127.0.0.1", self.reg.port), timeout=5)
                     for _ in range(30)]
            for s in socks:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            for s in socks:
                self.assertEqual(status_of(s.recv(4096)), 200)
                s.close()
            time.sleep(0.3)
            self.assertEqual(self.reg.get("/healthz").status, 200)
        time.sleep(0.3)
        self.reg.get("/healthz")
        self.assertLessEqual(fds(), before + 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
