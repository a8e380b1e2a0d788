#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installs the Debian 12 packages Weft needs. Idempotent: when everything is
# present it only asks dpkg and returns at once.
#
#   scripts/deps.sh build   what building and running needs
#   scripts/deps.sh test    that, plus every tool and peer the test suite uses
set -eu

build_packages="
  meson ninja-build pkg-config gcc binutils gettext
  libglib2.0-dev libjson-glib-dev libsoup-3.0-dev libyaml-dev libsqlite3-dev
  libnice-dev libgnutls28-dev libusrsctp-dev libjwt-gnutls-dev libsystemd-dev
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 gir1.2-json-1.0
  gir1.2-soup-3.0 glib-networking sqlite3 dbus python3
"
test_packages="
  python3 python3-gi gjs python3-aiortc python3-websockets
  clang libclang-rt-14-dev chromium wrk nginx-light valgrind
  iproute2 systemd procps curl util-linux
"

case "${1:-build}" in
  build) wanted=$build_packages ;;
  test) wanted="$build_packages $test_packages" ;;
  *)
    echo "usage: $0 build|test" >&2
    exit 2
    ;;
esac

missing=""
for p in $wanted; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "Missing packages:$missing" >&2
  echo "Run this as root or install sudo, or install them yourself with apt-get." >&2
  exit 1
fi

echo "Installing:$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
