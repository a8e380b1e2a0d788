#!/usr/bin/gjs -m
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An agent written in JavaScript (GJS).
//
// Its agent.yaml gives the name, the registry and the credential, as for weft-agent; the skill
// "shout" is implemented below. The agent registers, takes tasks by push and heartbeat, answers
// task requests over DataChannels, and deregisters on Ctrl-C or SIGTERM.
//
//     gjs -m examples/gjs/shout-agent.js path/to/agent.yaml
//
// With Weft installed, GJS finds the typelib; from a build tree, set GI_TYPELIB_PATH and
// LD_LIBRARY_PATH to _build/src/libweft.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Weft from 'gi://Weft?version=1.0';
import System from 'system';

const Shout = GObject.registerClass(class Shout extends Weft.Skill {
    // runs in the thread of the main loop: keep it short, or override
    // vfunc_invoke_async and vfunc_invoke_finish for work that waits
    vfunc_invoke(argsJson, _cancellable) {
        return `${JSON.parse(argsJson).message.toUpperCase()}!`;
    }
});

const path = ARGV[0] ?? 'agent.yaml';
let agent;
try {
    agent = Weft.Agent.new(Weft.Manifest.load_file(path));
    const shout = new Shout({name: 'shout', description: 'Upper-cases a message'});
    shout.add_parameter('message', Weft.SkillParamType.STRING, 'what to shout', true, null);
    agent.add_skill(shout);
} catch (e) {
    printerr(`shout-agent: ${e.message}`);
    System.exit(1);
}

const loop = new GLib.MainLoop(null, false);
let status = 0;

function stop() {
    agent.stop_async(null, () => loop.quit());
    return GLib.SOURCE_REMOVE;
}

GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 2 /* SIGINT */, stop);
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15 /* SIGTERM */, stop);
agent.start_async(null, (source, result) => {
    try {
        source.start_finish(result);
    } catch (e) {
        printerr(`shout-agent: ${e.message}`);
        status = 1;
        loop.quit();
    }
});
loop.run();
System.exit(status);
