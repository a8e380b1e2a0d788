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
        back = Weft.Message.new_from_data(data.encode())
        self.assertEqual(back.get_message_type(), "task_request")
        self.assertEqual(back.props.source_agent, "alpha")
        self.assertEqual(json.loads(back.dup_payload_json()), {"message": "hi", "skill": "echo"})

    def test_bad_input_raises_weft_error(self):
        with self.assertRaises(GLib.Error) as ctx:
            Weft.Message.new_from_data(b'{"type": 7}')
        self.assertEqual(ctx.exception.domain, GLib.quark_to_string(Weft.error_quark()))
        self.assertEqual(ctx.exception.code, Weft.Error.INVALID_ARGUMENT)
        self.assertIn("type", ctx.exception.message)
        with self.assertRaises(GLib.Error) as ctx:
            Weft.Message.new_from_data(b"not json")
        self.assertEqual(ctx.exception.code, Weft.Error.INVALID_DATA)


class TaskTest(unittest.TestCase):
    def test_lifecycle(self):
        task = Weft.Task.new_from_submission(
            b'{"skill": "echo", "source_agent_id": "alpha", "payload": {"message": "hi"}}', 1000.0
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
        task = Weft.Task.new_from_submission(b"{}", 5.0)
        node = task.to_json_node()
        wire = json.loads(Json.to_string(node, False))
        for key in ("id", "skill", "target_agent_id", "source_agent_id", "assigned_agent_id",
                    "payload", "state", "result", "error", "created_at", "updated_at", "ttl"):
            self.assertIn(key, wire)
        self.assertEqual(wire["state"], "pending")
        self.assertEqual(len(wire["id"]), 12)


class ShoutSkill(Weft.Skill):
    """A skill implemented in Python by overriding the synchronous vfunc."""

    def __init__(self):
        super().__init__(name="shout", description="upper-cases a message")
        self.add_parameter("message", Weft.SkillParamType.STRING, "what to shout", True, None)
        self.add_parameter("times", Weft.SkillParamType.INTEGER, "repetitions", False,
                           json_node("2"))
        self.calls = []

    def do_invoke(self, args_json, cancellable):
        args = json.loads(args_json)
        self.calls.append(args)
        if args["message"] == "fail":
            raise GLib.Error.new_literal(Weft.error_quark(), "refused", Weft.Error.FAILED)
        return " ".join([args["message"].upper()] * args["times"])


class SkillTest(unittest.TestCase):
    def invoke(self, skill, args_text):
        loop = GLib.MainLoop()
        outcome = {}

        def done(source, result):
            try:
                outcome["result"] = source.invoke_finish(result)
            except GLib.Error as e:
                outcome["error"] = e
            loop.quit()

        skill.invoke_async(json_node(args_text), None, done)
        GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        return outcome

    def test_python_subclass(self):
        skill = ShoutSkill()
        self.assertEqual(skill.get_name(), "shout")
        outcome = self.invoke(skill, '{"message": "hi"}')
        self.assertEqual(outcome.get("result"), "HI HI")
        # the default for "times" was applied before the script saw the arguments
        self.assertEqual(skill.calls, [{"message": "hi", "times": 2}])

    def test_validation_happens_before_the_script(self):
        skill = ShoutSkill()
        outcome = self.invoke(skill, '{"message": 5}')
        self.assertEqual(outcome["error"].code, Weft.Error.INVALID_ARGUMENT)
        self.assertIn("message", outcome["error"].message)
        outcome = self.invoke(skill, "{}")
        self.assertEqual(outcome["error"].code, Weft.Error.INVALID_ARGUMENT)
        self.assertEqual(skill.calls, [])

    def test_script_error_reaches_the_caller(self):
        outcome = self.invoke(ShoutSkill(), '{"message": "fail"}')
        self.assertIn("refused", outcome["error"].message)

    def test_skill_json_shape(self):
        wire = json.loads(Json.to_string(ShoutSkill().to_json_node(), False))
        self.assertEqual(wire["name"], "shout")
        self.assertEqual(wire["parameters"]["message"]["type"], "string")
        self.assertTrue(wire["parameters"]["message"]["required"])


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
