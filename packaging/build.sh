#!/usr/bin/env bash
# Build the one-folder bundle dist/ConvViz/ with PyInstaller, prove it runs, and archive it as
# dist/ConvViz-<version>-linux-x86_64.tar.gz (on Linux; the name carries the machine's architecture).
#
#   packaging/build.sh                      # fresh venv in build/package-venv, pip install ".[package]"
#   CONVVIZ_VENV=.venv packaging/build.sh   # reuse a venv that already has ConvViz and PyInstaller
#
# Environment:
#   CONVVIZ_VENV        a venv to use as it is (nothing is installed into it)
#   PYTHON              the interpreter that makes the fresh venv (default python3)
#   TORCH_INDEX_URL     where pip gets torch first, e.g. https://download.pytorch.org/whl/cpu for a
#                       CPU-only bundle (measured here: 831M by du -sh, 273M as .tar.gz). The default
#                       CUDA build of torch on Linux makes a much bigger bundle; its size is not
#                       measured (see packaging/README.md)
#   CONVVIZ_SMOKE_DATA  a folder with the four MNIST files for the smoke test's short training run
#                       (default: $CONVVIZ_DATA, then ../shared/data/mnist beside the repository);
#                       without MNIST that step is skipped, with a message saying so
# The script ends by starting the bundled binary headless, with throwaway settings: --version, a
# `conv` run on the course example, `shapes --check` on bundled tables, a one-epoch `train` on 1,000
# MNIST images, and the GUI on the offscreen platform (every tab shown, the guide and each of its
# pages opened: packaging/convviz_smoke.py). It fails if any of them fails, or if a bundled library
# needs a Qt, PySide6 or torch library the bundle lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ -n "${CONVVIZ_VENV:-}" ]; then
  VENV=$CONVVIZ_VENV
  "$VENV/bin/python" -c "import PyInstaller, visualizer" || {
    echo "build.sh: $VENV lacks PyInstaller or ConvViz; run: $VENV/bin/pip install '.[package]'" >&2
    exit 2
  }
else
  VENV=build/package-venv
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  if [ -n "${TORCH_INDEX_URL:-}" ]; then
    "$VENV/bin/pip" install -q torch --index-url "$TORCH_INDEX_URL"
  fi
  "$VENV/bin/pip" install -q ".[package]"
fi

echo "== PyInstaller ($("$VENV/bin/python" -m PyInstaller --version))"
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/convviz.spec

BIN=dist/ConvViz/ConvViz
[ -x "$BIN" ] || { echo "build.sh: $BIN was not built" >&2; exit 1; }
VERSION=$("$VENV/bin/python" -c "import re, pathlib; print(re.search(r'__version__ = \"([^\"]+)\"', pathlib.Path('visualizer/__init__.py').read_text()).group(1))")
echo "== bundle: $(du -sh dist/ConvViz | cut -f1) in dist/ConvViz ($(du -sb dist/ConvViz | cut -f1) bytes), ConvViz $VERSION"

# Every library the trimmed bundle carries must find the Qt, PySide6, Python and torch libraries
# it links in the bundle itself (system libraries such as libxcb-* or libwayland-* are the target
# machine's business and are only listed).
if [ "$(uname -s)" = Linux ] && command -v ldd >/dev/null; then
  echo "== libraries: each bundled .so finds the Qt, PySide6 and torch libraries it needs"
  internal=$(cd dist/ConvViz/_internal && pwd)
  broken=0
  system_missing=""
  while IFS= read -r -d '' lib; do
    missing=$(LD_LIBRARY_PATH=$internal ldd "$lib" 2>/dev/null | awk '/=> not found/ {print $1}') || true
    [ -n "$missing" ] || continue
    ours=$(printf '%s\n' "$missing" | grep -E '^lib(Qt6|pyside6|shiboken6|torch|c10|python3)' || true)
    if [ -n "$ours" ]; then
      echo "build.sh: ${lib#"$internal"/} needs $(echo $ours), which the bundle lacks" >&2
      broken=1
    fi
    system_missing="$system_missing $missing"
  done < <(find "$internal" -type f \( -name '*.so' -o -name '*.so.*' \) -print0)
  [ "$broken" = 0 ] || exit 1
  [ -z "$system_missing" ] ||
    echo "   (not on this machine, expected on the user's: $(printf '%s\n' $system_missing | sort -u | tr '\n' ' '))"
fi

# Run the bundle headless, with throwaway settings and data so the check touches nothing of yours.
SMOKE=$(mktemp -d)
trap 'rm -rf "$SMOKE"' EXIT
export QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$SMOKE/config" XDG_DATA_HOME="$SMOKE/data"
TABLES=dist/ConvViz/_internal/visualizer/resources/architectures/tables

echo "== $BIN --version"
"$BIN" --version

echo "== $BIN conv --input course-example --kernel course-normalized --stride 2 --padding 1"
"$BIN" conv --input course-example --kernel course-normalized --stride 2 --padding 1

echo "== $BIN shapes mnist-net1 --check <bundled mnist-net1.tsv> --against mnist-net1"
"$BIN" shapes mnist-net1 --check "$TABLES/mnist-net1.tsv" --against mnist-net1

echo "== $BIN shapes mnist-net1 --check <bundled mnist-net1-with-mistakes.csv> (must find the mistakes: exit 1)"
status=0
"$BIN" shapes mnist-net1 --check "$TABLES/mnist-net1-with-mistakes.csv" || status=$?
[ "$status" = 1 ] || { echo "build.sh: the check of a table with mistakes exited $status, not 1" >&2; exit 1; }

MNIST=""
for dir in "${CONVVIZ_SMOKE_DATA:-}" "${CONVVIZ_DATA:-}" "$ROOT/../shared/data/mnist"; do
  if [ -n "$dir" ] && [ -f "$dir/train-images-idx3-ubyte.gz" -o -f "$dir/train-images-idx3-ubyte" ]; then
    MNIST=$(cd "$dir" && pwd)
    break
  fi
done
if [ -n "$MNIST" ]; then
  echo "== $BIN train --epochs 1 --train-size 1000 --val-size 200 --test-size 200 (MNIST from $MNIST)"
  "$BIN" train --data "$MNIST" --epochs 1 --train-size 1000 --val-size 200 --test-size 200 --quiet \
    --out "$SMOKE/run"
  for f in metrics.json history.csv model.pt; do
    [ -s "$SMOKE/run/$f" ] || { echo "build.sh: train wrote no $f" >&2; exit 1; }
  done
  grep -Eq '"status": *"completed"' "$SMOKE/run/metrics.json" ||
    { echo "build.sh: the training run did not complete (metrics.json)" >&2; exit 1; }
else
  echo "== train: SKIPPED, no MNIST found (set CONVVIZ_SMOKE_DATA to a folder with the four MNIST files)"
fi

echo "== $BIN (GUI, offscreen: every tab, the guide and its pages, then quits after 10 s)"
CONVVIZ_SMOKE_GUI=1 CONVVIZ_QUIT_AFTER_MS=10000 timeout 180 "$BIN" | tee "$SMOKE/gui.log"
grep -q '^smoke-gui: OK$' "$SMOKE/gui.log" ||
  { echo "build.sh: the GUI smoke test did not report OK" >&2; exit 1; }

if [ "$(uname -s)" = Linux ]; then
  ARCHIVE=dist/ConvViz-$VERSION-linux-$(uname -m).tar.gz
  echo "== archive: $ARCHIVE"
  rm -f "$ARCHIVE"
  tar -C dist -cf - ConvViz | gzip -6 >"$ARCHIVE.part"
  mv -f "$ARCHIVE.part" "$ARCHIVE"
  echo "   $(du -sh "$ARCHIVE" | cut -f1) ($(du -sb "$ARCHIVE" | cut -f1) bytes)"
fi

echo "== OK: $ROOT/dist/ConvViz/ConvViz (bundle $(du -sh dist/ConvViz | cut -f1))"
