# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.weft.Registry1 on a private session bus (run under dbus-run-session)."""

import os
import sys
import time
import unittest

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry_harness import Registry, agent_body  # noqa: E402

NAME = "org.weft.Registry1"
PATH = "/org/weft/Registry1"


class TestRegistryDBus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            raise unittest.SkipTest("needs a session bus (run under dbus-run-session)")
        cls.reg = Registry(dbus=True).start()
        cls.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        deadline = time.time() + 10
        while time.time() < deadline:
            owner = cls.bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "NameHasOwner",
                                      GLib.Variant("(s)", (NAME,)), None, 0, -1, None)
            if owner.unpack()[0]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("registry did not own " + NAME + "\n" + cls.reg.read_log())

    @classmethod
    def tearDownClass(cls):
        rc = cls.reg.stop()
        log = cls.reg.read_log()
        cls.reg.cleanup()
        if rc != 0:
            raise AssertionError("registry exited with %r:\n%s" % (rc, log))

    def call(self, method, args=None, sig=None):
        params = GLib.Variant(sig, args) if sig else None
        return self.bus.call_sync(NAME, PATH, NAME, method, params, None, 0, 5000, None).unpack()

    def test_properties(self):
        props = self.bus.call_sync(NAME, PATH, "org.freedesktop.DBus.Properties", "GetAll",
                                   GLib.Variant("(s)", (NAME,)), None, 0, -1, None).unpack()[0]
        self.assertEqual(props["Port"], self.reg.port)
        self.assertTrue(props["Version"])

    def test_list_agents(self):
        self.reg.post("/api/registry/agents", agent_body("dbus-a", ["x", "y"]), key="ak_alpha")
        agents = self.call("ListAgents")[0]
        mine = [a for a in agents if a[0] == "dbus-a"][0]
        self.assertEqual(mine, ("dbus-a", "active", "host-dbus-a", "dbus-a-sidecar", ["x", "y"]))

    def test_pairing_administration(self):
        code, expires_in = self.call("GenerateInviteCode")
        self.assertRegex(code, r"^[0-9]{6}$")
        self.assertEqual(expires_in, 300)
        entry = self.reg.post("/api/pairing/pair", {"code": code, "agent_name": "bus"}).json
        pending = self.call("ListPairingEntries", ("pending_approval",), "(s)")[0]
        self.assertIn(entry["id"], [e[0] for e in pending])
        self.assertEqual(self.call("ApprovePairing", (entry["id"],), "(s)")[0], entry["peer_id"])
        r = self.reg.post("/api/pairing/%s/claim" % entry["id"],
                          {"claim_token": entry["claim_token"]})
        self.assertEqual(r.status, 200, r)
        self.call("RevokePairing", (entry["id"],), "(s)")
        statuses = {e[0]: e[3] for e in self.call("ListPairingEntries", ("",), "(s)")[0]}
        self.assertEqual(statuses[entry["id"]], "revoked")
        with self.assertRaises(GLib.Error) as cm:
            self.call("ApprovePairing", ("ffffffff",), "(s)")
        self.assertIn("org.weft.Error.NotFound", cm.exception.message)
        with self.assertRaises(GLib.Error) as cm:
            self.call("RejectPairing", (entry["id"],), "(s)")
        self.assertIn("org.weft.Error.InvalidState", cm.exception.message)
        with self.assertRaises(GLib.Error):
            self.call("ListPairingEntries", ("bogus",), "(s)")

    def test_api_keys(self):
        key_id, key = self.call("CreateApiKey", ("bus-peer", "admin"), "(ss)")
        r = self.reg.post("/api/token", key=key)
        self.assertEqual(r.json["role"], "admin")
        keys = {k[0]: k for k in self.call("ListApiKeys")[0]}
        self.assertEqual(keys[key_id], (key_id, "bus-peer", "admin", "database"))
        self.call("RevokeApiKey", (key_id,), "(s)")
        self.assertEqual(self.reg.post("/api/token", key=key).status, 401)
        with self.assertRaises(GLib.Error) as cm:
            self.call("CreateApiKey", ("p", "root"), "(ss)")
        self.assertIn("org.weft.Error.InvalidArgument", cm.exception.message)


if __name__ == "__main__":
    unittest.main(verbosity=2)
