#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test-po.sh SRCDIR: every catalog in po/LINGUAS is well-formed (msgfmt
# --check) and complete against the strings the sources hold today — nothing
# untranslated, nothing fuzzy.  Prints TAP.

src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

langs=$(grep -v '^#' "$src/po/LINGUAS")
set -- $langs
echo "1..$((2 * $# + 1))"

# The template, made the way meson's glib preset makes it.
if (cd "$src" && xgettext --from-code=UTF-8 --add-comments --package-name=kvpage \
      --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
      --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
      --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
      --flag=g_set_error:4:c-format --flag=g_printerr:1:c-format --flag=g_print:1:c-format \
      --files-from=po/POTFILES.in --output="$work/kvpage.pot") 2>"$work/xgettext.log"; then
  echo "ok 1 the template builds from po/POTFILES.in"
else
  echo "not ok 1 the template builds from po/POTFILES.in"
  sed 's/^/# /' "$work/xgettext.log"
fi

n=2
for lang in $langs; do
  po=$src/po/$lang.po
  if msgfmt --check --output-file=/dev/null "$po" 2>"$work/msgfmt.log"; then
    echo "ok $n $lang.po is well-formed"
  else
    echo "not ok $n $lang.po is well-formed"
    sed 's/^/# /' "$work/msgfmt.log"
  fi
  n=$((n + 1))

  msgmerge --quiet --no-fuzzy-matching --output-file="$work/$lang.po" "$po" "$work/kvpage.pot"
  missing=$(msgattrib --untranslated --no-obsolete "$work/$lang.po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$work/$lang.po" | grep -c '^msgid ' || true)
  # msgattrib prints the header entry whenever anything is left.
  missing=$((missing > 0 ? missing - 1 : 0))
  fuzzy=$((fuzzy > 0 ? fuzzy - 1 : 0))
  if [ "$missing" -eq 0 ] && [ "$fuzzy" -eq 0 ]; then
    echo "ok $n $lang.po translates every string"
  else
    echo "not ok $n $lang.po: $missing untranslated, $fuzzy fuzzy"
    msgattrib --untranslated --no-obsolete "$work/$lang.po" | grep '^msgid ' | sed 's/^/# /'
  fi
  n=$((n + 1))
done
