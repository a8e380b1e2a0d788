#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs every test Weft has: the unit, GI, integration and interop suites in a
# normal build; the same suites in an AddressSanitizer + UndefinedBehaviorSanitizer
# build; and each libFuzzer target for a bounded number of inputs.
# Installs the Debian packages it needs first. Build trees go under _build-test*/.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/deps.sh" test

jobs=$(nproc 2>/dev/null || echo 2)
fuzz_runs=${WEFT_FUZZ_RUNS:-20000}

setup () {
  dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

step () {
  printf '\n==> %s\n' "$*"
}

step "build and test (gcc)"
setup _build-test
meson compile -C _build-test
meson test -C _build-test --print-errorlogs --num-processes "$jobs"

step "build and test with -Db_sanitize=address,undefined"
setup _build-test-asan -Db_sanitize=address,undefined -Db_lundef=false -Dintrospection=false
meson compile -C _build-test-asan
# tests/meson.build sets ASAN_OPTIONS, LSAN_OPTIONS and UBSAN_OPTIONS for every test;
# the interop suite (aiortc, Chromium, the 20 MB impairment run) exercises other peers
# and runs once, in the normal build
meson test -C _build-test-asan --print-errorlogs --num-processes "$jobs" \
  --no-suite interop

step "libFuzzer targets, $fuzz_runs inputs each (clang)"
CC=clang setup _build-test-fuzz -Dfuzzing=true -Dfuzz_runs="$fuzz_runs" \
  -Db_sanitize=address,undefined -Db_lundef=false -Dintrospection=false
meson compile -C _build-test-fuzz
meson test -C _build-test-fuzz --print-errorlogs --num-processes "$jobs" --suite fuzz

step "all tests passed"
