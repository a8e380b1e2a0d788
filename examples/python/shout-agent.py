#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An agent written in Python.

Its agent.yaml gives the name, the registry and the credential, as for weft-agent; the skill
"shout" is implemented below. The agent registers, takes tasks by push and heartbeat, answers
task requests over DataChannels, and deregisters on Ctrl-C or SIGTERM.

    examples/python/shout-agent.py path/to/agent.yaml

With Weft installed, `gi` finds the typelib; from a build tree, set
GI_TYPELIB_PATH and LD_LIBRARY_PATH to _build/src/libweft."""

import json
import signal
import sys

import gi

gi.require_version("Weft", "1.0")
from gi.repository import GLib, Weft  # noqa: E402


class Shout(Weft.Skill):
    def __init__(self):
        super().__init__(name="shout", description="Upper-cases a message")
        self.add_parameter("message", Weft.SkillParamType.STRING, "what to shout", True, None)

    # runs in the thread of the main loop: keep it short, or override
    # do_invoke_async and do_invoke_finish for work that waits
    def do_invoke(self, args_json, cancellable):
        return json.loads(args_json)["message"].upper() + "!"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "agent.yaml"
    try:
        agent = Weft.Agent.new(Weft.Manifest.load_file(path))
        agent.add_skill(Shout())
    except GLib.Error as e:
        print("shout-agent: %s" % e.message, file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    status = 0

    def started(agent, result):
        nonlocal status
        try:
            agent.start_finish(result)
        except GLib.Error as e:
            print("shout-agent: %s" % e.message, file=sys.stderr)
            status = 1
            loop.quit()

    def stop():
        agent.stop_async(None, lambda agent, result: loop.quit())
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, stop)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, stop)
    agent.start_async(None, started)
    loop.run()
    return status


if __name__ == "__main__":
    sys.exit(main())
