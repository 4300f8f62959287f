#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test-valgrind.sh KVPAGE SUPPRESSIONS SANITIZE: memcheck over --json and an
# export in each format (and a Chinese PDF, which embeds a CJK font): no
# invalid access, no use of uninitialised memory, no definite leak beyond the
# system libraries' known ones.  Skips in a sanitizer build, where valgrind
# cannot run, and where valgrind is missing.  Prints TAP.

kvpage=$1
supp=$2
sanitize=$3

if [ "$sanitize" != none ]; then
  echo "1..0 # SKIP built with -Db_sanitize=$sanitize; valgrind needs a plain build"
  exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
  echo "1..0 # SKIP valgrind is not installed"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset DISPLAY WAYLAND_DISPLAY

echo "1..5"
n=0
check () {
  name=$1
  shift
  n=$((n + 1))
  if valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
       --error-exitcode=99 --num-callers=40 --suppressions="$supp" \
       --log-file="$work/valgrind.log" "$@" >"$work/out" 2>"$work/err"; then
    echo "ok $n $name"
  else
    echo "not ok $n $name"
    sed 's/^/# /' "$work/err" "$work/valgrind.log"
  fi
}

check "--json" "$kvpage" --json
check "PNG export" "$kvpage" --export "$work/shot.png" --size 640x400
check "SVG export" "$kvpage" --export "$work/shot.svg" --size 640x400
check "PDF export" "$kvpage" --export "$work/shot.pdf" --size 640x400
check "Chinese PDF export" env LANGUAGE=zh_CN "$kvpage" --export "$work/zh.pdf" --size 640x400
