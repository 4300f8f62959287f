#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test-install.sh BUILDDIR PREFIX DATADIR BINDIR: `meson install` into an empty
# DESTDIR puts every file a desktop needs where it looks, and the installed
# binary runs from there.  Prints TAP.

build=$1 prefix=$2 datadir=$3 bindir=$4
destdir=$(mktemp -d)
trap 'rm -rf "$destdir"' EXIT

case $datadir in /*) ;; *) datadir=$prefix/$datadir ;; esac
case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac
root=$destdir$datadir
id=io.github.kvpage.KvPage

set -- \
  "$destdir$bindir/kvpage" \
  "$root/applications/$id.desktop" \
  "$root/metainfo/$id.metainfo.xml" \
  "$root/icons/hicolor/scalable/apps/$id.svg" \
  "$root/icons/hicolor/symbolic/apps/$id-symbolic.svg" \
  "$root/glib-2.0/schemas/$id.gschema.xml" \
  "$root/locale/de/LC_MESSAGES/kvpage.mo" \
  "$root/locale/zh_CN/LC_MESSAGES/kvpage.mo"

echo "1..$(($# + 2))"

if meson install -C "$build" --destdir "$destdir" --no-rebuild --quiet >"$destdir.log" 2>&1; then
  echo "ok 1 meson install --destdir"
else
  echo "not ok 1 meson install --destdir"
  sed 's/^/# /' "$destdir.log"
fi
rm -f "$destdir.log"

n=2
for f in "$@"; do
  if [ -f "$f" ]; then echo "ok $n ${f#"$destdir"}"; else echo "not ok $n ${f#"$destdir"} is missing"; fi
  n=$((n + 1))
done

if out=$(env -u DISPLAY -u WAYLAND_DISPLAY "$destdir$bindir/kvpage" --json --max-seq-len 1024) &&
   echo "$out" | grep -q '"traditional_memory_mb" : 22.0'; then
  echo "ok $n the installed kvpage runs"
else
  echo "not ok $n the installed kvpage runs"
fi
