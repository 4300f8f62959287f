# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by build-aux/run (and tests/test-run.sh): what running kvpage from a
# build tree needs.  Expects $top (the source tree) and $build_dir.

# Its own settings schema and translations, and its icon: the About dialog
# and the desktop look the icon up in data/icons/hicolor through XDG_DATA_DIRS.
kvpage_run_env () {
  export GSETTINGS_SCHEMA_DIR="$build_dir/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
  export KVPAGE_LOCALEDIR="$build_dir/po"
  export XDG_DATA_DIRS="$build_dir/data:$top/data:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
}

# gettext reads LANGUAGE only under a real locale: on a system with nothing
# but C.UTF-8, LANGUAGE=de silently stays English.  Says so, and how to fix it.
kvpage_check_language () {
  local wanted messages lang
  [ -n "${LANGUAGE:-}" ] || return 0

  wanted=${LANGUAGE%%:*}
  lang=${wanted%%[_.@]*}
  messages=${LC_ALL:-${LC_MESSAGES:-${LANG:-C}}}

  if ! locale -a 2>/dev/null | grep -qi "^${lang}[_.@]"; then
    local suggest=$wanted
    [[ $wanted == *_* ]] || suggest=${lang}_$(echo "$lang" | tr '[:lower:]' '[:upper:]')
    echo "kvpage: LANGUAGE=$LANGUAGE has no effect: this system has no '$lang' locale, so kvpage stays English." \
         "Add one as root (localedef -i ${suggest%%.*} -f UTF-8 ${suggest%%.*}.UTF-8, or install locales-all) and run with LANG=${suggest%%.*}.UTF-8." >&2
    return 0
  fi

  case "$messages" in
    C|C.*|POSIX)
      echo "kvpage: LANGUAGE=$LANGUAGE is ignored under the '$messages' locale: gettext reads LANGUAGE only under a real one." \
           "Run with LANG (or LC_ALL) set to an installed '$lang' locale, e.g. LANG=$(locale -a | grep -i "^${lang}[_.@]" | head -1)." >&2
      ;;
  esac
}
