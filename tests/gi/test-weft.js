// SPDX-License-Identifier: LGPL-2.1-or-later
// Uses libweft from GJS through its typelib, as a script author would.
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Json from 'gi://Json';
import Weft from 'gi://Weft?version=1.0';

let checks = 0;
function check(condition, what) {
    if (!condition)
        throw new Error(`check failed: ${what}`);
    checks++;
}

function throwsWeftError(fn, code, what) {
    try {
        fn();
    } catch (e) {
        check(e instanceof GLib.Error, `${what}: a GLib.Error`);
        check(e.matches(Weft.error_quark(), code), `${what}: code ${code}, got ${e.code}: ${e.message}`);
        return e;
    }
    throw new Error(`${what}: no error raised`);
}

const srcdir = GLib.getenv('G_TEST_SRCDIR') ?? '.';
const encoder = new TextEncoder();

// WeftMessage
const payload = Json.from_string('{"message": "hi"}');
const msg = Weft.Message.new_request('task_request', 'alpha', 'beta', payload);
check(Weft.Message.request_id_is_valid(msg.get_request_id()), 'request id form');
const [data] = msg.to_data();
const wire = JSON.parse(data);
check(JSON.stringify(Object.keys(wire)) ===
      '["type","request_id","source_agent","target_agent","payload"]', 'key order');
const back = Weft.Message.new_from_data(encoder.encode(data));
check(back.source_agent === 'alpha', 'source agent property');
check(JSON.parse(back.dup_payload_json()).message === 'hi', 'payload');
throwsWeftError(() => Weft.Message.new_from_data(encoder.encode('{}')),
    Weft.Error.INVALID_ARGUMENT, 'message without type');

// WeftTask
const task = Weft.Task.new_from_submission(encoder.encode('{"skill": "echo", "ttl": 10}'), 100.0);
check(task.get_state() === Weft.TaskState.PENDING, 'new task is pending');
task.assign('beta', 101.0);
check(task.get_assigned_agent_id() === 'beta', 'assignee');
task.cancel(102.0);
check(Weft.task_state_to_string(task.get_state()) === 'cancelled', 'cancelled');
throwsWeftError(() => task.start(103.0), Weft.Error.INVALID_STATE, 'start after cancel');

// a skill implemented in JavaScript
const Reverse = GObject.registerClass(class Reverse extends Weft.Skill {
    vfunc_invoke(argsJson, _cancellable) {
        const args = JSON.parse(argsJson);
        return [...args.text].reverse().join('');
    }
});
const reverse = new Reverse({name: 'reverse', description: 'reverses text'});
reverse.add_parameter('text', Weft.SkillParamType.STRING, 'the text', true, null);
const loop = new GLib.MainLoop(null, false);
let reversed = null;
let invokeError = null;
reverse.invoke_async(Json.from_string('{"text": "weft"}'), null, (source, res) => {
    reversed = source.invoke_finish(res);
    reverse.invoke_async(Json.from_string('{"text": 3}'), null, (source2, res2) => {
        try {
            source2.invoke_finish(res2);
        } catch (e) {
            invokeError = e;
        }
        loop.quit();
    });
});
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 10, () => {
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
loop.run();
check(reversed === 'tfew', `skill result, got ${reversed}`);
check(invokeError !== null && invokeError.matches(Weft.error_quark(), Weft.Error.INVALID_ARGUMENT),
    'arguments validated against the schema');

// WeftManifest
const manifest = Weft.Manifest.new_from_file(GLib.build_filenamev([srcdir, 'data']));
check(manifest.get_name() === 'scripted', 'manifest name');
check(manifest.get_builtin_skills().length === 2, 'builtin skills');
check(manifest.is_skill_disabled('delegate'), 'disabled skill');

print(`gjs: ${checks} checks passed`);
