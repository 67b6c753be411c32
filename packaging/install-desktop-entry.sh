#!/usr/bin/env bash
# Put ConvViz in the Linux application menu for the current user (no root needed).
#
#   packaging/install-desktop-entry.sh                 # the bundle dist/ConvViz/ConvViz, else `convviz-gui` on PATH
#   packaging/install-desktop-entry.sh /opt/ConvViz/ConvViz
#   packaging/install-desktop-entry.sh --uninstall
#
# Installs, under ${XDG_DATA_HOME:-~/.local/share}:
#   applications/convviz.desktop                       (Exec= the program given or found)
#   icons/hicolor/<N>x<N>/apps/convviz.png             (N = 16 … 512)
#   icons/hicolor/scalable/apps/convviz.svg
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
APPS=$DATA_HOME/applications
ICONS=$DATA_HOME/icons/hicolor
SIZES="16 22 24 32 48 64 128 256 512"

refresh() {
  if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$APPS" || true; fi
  if command -v gtk-update-icon-cache >/dev/null; then gtk-update-icon-cache -q -t -f "$ICONS" 2>/dev/null || true; fi
  touch "$ICONS" 2>/dev/null || true  # tells menus that watch the folder to reload
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$APPS/convviz.desktop" "$ICONS/scalable/apps/convviz.svg"
  for n in $SIZES; do rm -f "$ICONS/${n}x${n}/apps/convviz.png"; done
  refresh
  echo "ConvViz removed from the application menu."
  exit 0
fi

if [ -n "${1:-}" ]; then
  EXEC=$1
elif [ -x dist/ConvViz/ConvViz ]; then
  EXEC=$(pwd)/dist/ConvViz/ConvViz
elif command -v convviz-gui >/dev/null; then
  EXEC=$(command -v convviz-gui)   # pip's GUI launcher (pip install .)
elif command -v convviz >/dev/null; then
  EXEC=$(command -v convviz)       # an install from before convviz-gui existed
else
  echo "install-desktop-entry.sh: no ConvViz program found; build it (packaging/build.sh)," \
       "install it (pip install .), or give its path as the argument" >&2
  exit 2
fi
[ -x "$EXEC" ] || { echo "install-desktop-entry.sh: $EXEC is not an executable program" >&2; exit 2; }
EXEC=$(cd "$(dirname "$EXEC")" && pwd)/$(basename "$EXEC")

for n in $SIZES; do
  install -Dm644 "packaging/icons/convviz-$n.png" "$ICONS/${n}x${n}/apps/convviz.png"
done
install -Dm644 resources/icons/convviz.svg "$ICONS/scalable/apps/convviz.svg"

# Desktop-entry quoting: the path goes in double quotes with \ " ` $ backslash-escaped, and then
# every backslash is doubled again by the string-value escape rule (so `$` is written \\$).
quoted=$(printf '%s' "$EXEC" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g')
tryexec=$(printf '%s' "$EXEC" | sed -e 's/\\/\\\\/g')
mkdir -p "$APPS"
# Written in a private folder first (under its final name, which the validator checks), validated,
# and then moved into place in one step: a menu never reads half a file or an invalid one.
stage=$(mktemp -d "$APPS/.convviz.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tmp=$stage/convviz.desktop
{
  sed -e '/^Exec=/d' -e '/^TryExec=/d' packaging/convviz.desktop
  printf 'Exec="%s"\nTryExec=%s\n' "$quoted" "$tryexec"
} >"$tmp"
chmod 644 "$tmp"
if command -v desktop-file-validate >/dev/null; then
  if ! report=$(desktop-file-validate "$tmp" 2>&1); then
    echo "install-desktop-entry.sh: desktop-file-validate rejects the entry for $EXEC; the menu entry was not installed:" >&2
    printf '%s\n' "${report//"$tmp"/convviz.desktop}" >&2
    exit 1
  fi
  # Hints and warnings do not stop the install, but they are shown.
  [ -z "$report" ] || printf '%s\n' "${report//"$tmp"/convviz.desktop}" >&2
else
  echo "install-desktop-entry.sh: desktop-file-validate not found (package desktop-file-utils);" \
       "the entry is installed unchecked" >&2
fi
mv -f "$tmp" "$APPS/convviz.desktop"
rmdir "$stage"
refresh
echo "ConvViz added to the application menu: $APPS/convviz.desktop (runs $EXEC)"
