#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-run.sh SRCDIR BUILDDIR: what build-aux/run sets up — the icon found
# through XDG_DATA_DIRS, and a plain word when LANGUAGE cannot work.  Prints TAP.

top=$1
build_dir=$2
source "$top/build-aux/run-env.sh"
echo "1..4"

(
  unset XDG_DATA_DIRS
  kvpage_run_env
  IFS=: read -ra dirs <<< "$XDG_DATA_DIRS"
  for d in "${dirs[@]}"; do
    [ -f "$d/icons/hicolor/scalable/apps/io.github.kvpage.KvPage.svg" ] && exit 0
  done
  exit 1
) && echo "ok 1 the app icon is on XDG_DATA_DIRS" || echo "not ok 1 the app icon is on XDG_DATA_DIRS"

(
  kvpage_run_env
  case ":$XDG_DATA_DIRS:" in *:/usr/share:*) exit 0 ;; esac
  exit 1
) && echo "ok 2 the system's data dirs stay" || echo "not ok 2 the system's data dirs stay"

said=$(unset LANGUAGE; kvpage_check_language 2>&1)
[ -z "$said" ] && echo "ok 3 nothing said without LANGUAGE" || echo "not ok 3 nothing said without LANGUAGE: $said"

# A language no system has a locale for.
said=$(LANGUAGE=xq kvpage_check_language 2>&1)
case "$said" in
  *"LANGUAGE=xq"*"no 'xq' locale"*) echo "ok 4 a language without a locale is told" ;;
  *) echo "not ok 4 a language without a locale is told: $said" ;;
esac
