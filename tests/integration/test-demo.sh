#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# runs the README's demo walk-through against this build tree and checks what it shows
set -eu
srcdir=$1
builddir=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! WEFT_DEMO_INNER=1 WEFT_BUILD_DIR="$builddir" \
  dbus-run-session -- "$srcdir/scripts/demo.sh" --once >"$out" 2>&1; then
  cat "$out"
  echo "not ok: the demo failed"
  exit 1
fi
cat "$out"
fail=0
for expected in \
  "alpha                active" \
  "beta (peer beta) has skill uppercase" \
  "A TASK THAT CROSSED THE MESH" \
  "^42$" \
  "^3$" \
  "Broadcast sent to 2" \
  "delegate to beta: direct path" \
  "delegate to gamma: direct path"; do
  if ! grep -q -- "$expected" "$out"; then
    echo "not ok: the demo output lacks: $expected"
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "ok: the demo showed discovery, routing and delegation"
exit "$fail"
