# SPDX-License-Identifier: LGPL-2.1-or-later
"""Uses libweft from Python through its typelib, as a script author would."""

import json
import os
import sys
import unittest

import gi

gi.require_version("Weft", "1.0")
gi.require_version("Json", "1.0")
from gi.repository import GLib, Json, Weft  # noqa: E402

DATA = os.path.join(os.environ.get("G_TEST_SRCDIR", os.path.dirname(__file__)), "data")


def json_node(text):
    return Json.from_string(text)


class MessageTest(unittest.TestCase):
    def test_round_trip(self):
        payload = json_node('{"message": "hi", "skill": "echo"}')
        msg = Weft.Message.new_request("task_request", "alpha", "beta", payload)
        self.assertTrue(Weft.Message.request_id_is_valid(msg.get_request_id()))
        data, length = msg.to_data()
        self.assertEqual(length, len(data.encode()))
        wire = json.loads(data)
        self.assertEqual(list(wire), ["type", "request_id", "source_agent", "target_agent", "payload"])
        back = Weft.Message.new_from_data(data.encode(), -1)
        self.assertEqual(back.get_message_type(), "task_request")
        self.assertEqual(back.props.source_agent, "alpha")
        self.assertEqual(json.loads(back.dup_payload_json()), {"message": "hi", "skill": "echo"})

    def test_bad_input_raises_weft_error(self):
        with self.assertRaises(GLib.Error) as ctx:
            Weft.Message.new_from_data(b'{"type": 7}', -1)
        self.assertEqual(ctx.exception.domain, GLib.quark_to_string(Weft.error_quark()))
        self.assertEqual(ctx.exception.code, Weft.Error.INVALID_ARGUMENT)
        self.assertIn("type", ctx.exception.message)
        with self.assertRaises(GLib.Error) as ctx:
            Weft.Message.new_from_data(b"not json", -1)
        self.assertEqual(ctx.exception.code, Weft.Error.INVALID_DATA)


class TaskTest(unittest.TestCase):
    def test_lifecycle(self):
        task = Weft.Task.new_from_submission(
            b'{"skill": "echo", "source_agent_id": "alpha", "payload": {"message": "hi"}}', -1, 1000.0
        )
        self.assertEqual(task.get_state(), Weft.TaskState.PENDING)
        self.assertEqual(task.get_ttl(), 300)
        task.assign("beta", 1001.0)
        task.start(1002.0)
        task.complete("done", 1003.0)
        self.assertEqual(task.get_state(), Weft.TaskState.COMPLETED)
        self.assertEqual(Weft.task_state_to_string(task.get_state()), "completed")
        self.assertEqual(task.get_result(), "done")
        with self.assertRaises(GLib.Error) as ctx:
            task.start(1004.0)
        self.assertEqual(ctx.exception.code, Weft.Error.INVALID_STATE)

    def test_json_shape(self):
        task = Weft.Task.new_from_submission(b"{}", -1, 5.0)
        node = task.to_json_node()
        wire = json.loads(Json.to_string(node, False))
        for key in ("id", "skill", "target_agent_id", "source_agent_id", "assigned_agent_id",
                    "payload", "state", "result", "error", "created_at", "updated_at", "ttl"):
            self.assertIn(key, wire)
        self.assertEqual(wire["state"], "pending")
        self.assertEqual(len(wire["id"]), 12)


class ManifestTest(unittest.TestCase):
    def test_load_directory(self):
        manifest = Weft.Manifest.new_from_file(DATA)
        self.assertEqual(manifest.get_name(), "scripted")
        self.assertEqual(manifest.get_registry(), "http://127.0.0.1:8080")
        self.assertEqual(manifest.get_provider(), "ollama")
        self.assertEqual(list(manifest.get_builtin_skills()), ["list_agents", "delegate"])
        self.assertTrue(manifest.is_skill_disabled("delegate"))
        self.assertEqual(manifest.get_heartbeat_interval(), 5)
        self.assertEqual(manifest.get_max_concurrent_tasks(), 2)
        self.assertIn("Be brief.", manifest.get_system_prompt())

    def test_errors_have_positions(self):
        with self.assertRaises(GLib.Error) as ctx:
            Weft.Manifest.new_from_data("name: x\nprovider: nope\n", -1, None)
        self.assertIn("2:", ctx.exception.message)
        self.assertIn("nope", ctx.exception.message)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
