# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by build-aux/run and build-aux/test: installs what is missing on a
# Debian 12 or Ubuntu machine, then configures and builds.  Quick when done.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${KVPAGE_BUILD_DIR:-$top/build}
meson_args=${KVPAGE_MESON_ARGS:-}

packages=(
  build-essential pkg-config meson ninja-build gettext
  libglib2.0-dev libgtk-4-dev libjson-glib-dev libcairo2-dev libpango1.0-dev
  fonts-inter fonts-dejavu-core fonts-noto-cjk
  xvfb xauth x11-utils
  desktop-file-utils appstream
  poppler-utils librsvg2-bin
  locales
)
# The valgrind test and build-aux/fuzz (clang's libFuzzer); best effort, as
# both skip without them and the names are Debian 12's.
optional_packages=(valgrind clang libclang-rt-14-dev)

install_missing () {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "kvpage: installing ${missing[*]} needs root or sudo." >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "kvpage: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

configure_and_build () {
  # shellcheck disable=SC2086
  if [ ! -f "$build_dir/build.ninja" ]; then
    meson setup "$build_dir" "$top" $meson_args >&2
  elif [ -n "$meson_args" ]; then
    meson configure "$build_dir" $meson_args >&2
  fi
  ninja -C "$build_dir" >&2
}

install_optional () {
  local p
  for p in "${optional_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && continue
    apt-cache show "$p" >/dev/null 2>&1 || continue
    packages=("$p")
    install_missing || echo "kvpage: could not install $p; the tests that need it skip." >&2
  done
}

install_missing
(install_optional) || true
configure_and_build
