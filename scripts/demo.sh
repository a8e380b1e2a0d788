#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Weft demo: a registry on a fresh SQLite database and three agents with
# different skills (examples/demo/) that discover each other and delegate work.
# Installs the Debian packages it needs, builds with meson, then runs until
# Ctrl-C. With --once (or without a terminal) it stops after the walk-through.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "${WEFT_DEMO_INNER:-}" != 1 ]; then
  "$top/scripts/deps.sh" build
  if [ -f _build/build.ninja ]; then
    meson setup --reconfigure _build >/dev/null
  else
    meson setup _build >/dev/null
  fi
  meson compile -C _build >/dev/null
  # the agents offer org.weft.Agent1 on a session bus: give them a private one
  # when there is none
  if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    exec env WEFT_DEMO_INNER=1 dbus-run-session -- "$0" "$@"
  fi
  export WEFT_DEMO_INNER=1
fi

once=0
if [ "${1:-}" = "--once" ] || [ ! -t 0 ]; then
  once=1
fi

build="${WEFT_BUILD_DIR:-$top/_build}"
weft="$build/src/cli/weft"
work=$(mktemp -d "${TMPDIR:-/tmp}/weft-demo.XXXXXX")
pids=""

cleanup () {
  trap - EXIT INT TERM
  printf '\n==> stopping: agents deregister, then the registry\n'
  for pid in $pids; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $pids; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say () {
  printf '\n==> %s\n' "$*"
}

show () {
  printf '$ %s\n' "$*"
  "$@"
}

# credentials: one API key per agent (the key decides the signaling peer id),
# and an admin key for the operator's CLI; a fresh signing secret each run
cat > "$work/api_keys.json" <<KEYS
{"keys": {
  "ak_demo_alpha": {"peer_id": "alpha", "role": "agent"},
  "ak_demo_beta": {"peer_id": "beta", "role": "agent"},
  "ak_demo_gamma": {"peer_id": "gamma", "role": "agent"},
  "ak_demo_admin": {"peer_id": "operator", "role": "admin"}
}}
KEYS
SIGNALING_SECRET=$(head -c 32 /dev/urandom | base64)
export SIGNALING_SECRET
# every agent runs on this machine: their DataChannels use the loopback interface
export WEFT_MESH_LOOPBACK=1

say "starting weft-registry on a fresh database ($work/registry.db)"
"$build/src/registry/weft-registry" --listen 127.0.0.1 --port 0 --port-file "$work/port" \
  --db "$work/registry.db" --api-keys "$work/api_keys.json" --no-dbus \
  >"$work/registry.log" 2>&1 &
pids="$!"
tries=0
while [ ! -s "$work/port" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then
    echo "the registry did not start; its log:" >&2
    cat "$work/registry.log" >&2
    exit 1
  fi
  sleep 0.1
done
registry="http://127.0.0.1:$(cat "$work/port")"
echo "registry listening on $registry"
export WEFT_REGISTRY="$registry" WEFT_API_KEY=ak_demo_admin

for name in alpha beta gamma; do
  cp -r "$top/examples/demo/$name" "$work/$name"
  sed -i "s|^registry: .*|registry: $registry|" "$work/$name/agent.yaml"
  "$build/src/agent/weft-agent" "$work/$name/agent.yaml" >"$work/$name.log" 2>&1 &
  pids="$! $pids"
  echo "started agent $name (log: $work/$name.log)"
done

say "waiting for the three agents to register"
tries=0
until [ "$("$weft" agents --json 2>/dev/null | grep -o '"health" *: *"active"' | wc -l)" -ge 3 ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then
    echo "the agents did not register; their logs:" >&2
    tail -n 20 "$work"/*.log >&2
    exit 1
  fi
  sleep 0.1
done

say "discovery: every agent and its skills, as the registry sees them"
show "$weft" agents

say "routing: which agent has the skill 'uppercase'?"
show "$weft" route uppercase

say "delegation: alpha hands 'uppercase' to whichever agent has it"
show "$weft" delegate --agent alpha --skill uppercase "a task that crossed the mesh"

say "delegation to a named agent: alpha asks gamma to add up numbers"
show "$weft" delegate --agent alpha --to gamma --skill sum "19 23"

say "which path each delegation took, from alpha's log"
grep -E "delegate to .*path" "$work/alpha.log" | sed 's/^.*: delegate/delegate/' || echo "(alpha logged no route)"

say "a skill of a local agent, invoked over D-Bus"
show "$weft" invoke --agent alpha word_count '{"message": "three little words"}'

say "a message to every agent"
show "$weft" broadcast --agent alpha "hello, mesh"

say "the agents running here"
show "$weft" status

if [ "$once" = 1 ]; then
  exit 0
fi
say "the mesh is up; press Ctrl-C to stop"
while :; do
  sleep 3600
done
