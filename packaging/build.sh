#!/usr/bin/env bash
# Build the one-folder bundle dist/ConvViz/ with PyInstaller, then prove it runs.
#
#   packaging/build.sh                      # fresh venv in build/package-venv, pip install ".[package]"
#   CONVVIZ_VENV=.venv packaging/build.sh   # reuse a venv that already has ConvViz and PyInstaller
#
# Environment:
#   CONVVIZ_VENV     a venv to use as it is (nothing is installed into it)
#   PYTHON           the interpreter that makes the fresh venv (default python3)
#   TORCH_INDEX_URL  where pip gets torch first, e.g. https://download.pytorch.org/whl/cpu for a
#                    CPU-only bundle (about 1 GB smaller than the default CUDA build on Linux)
# The script ends by starting the bundled binary headless: --version, a `conv` run on the course
# example, and the GUI on the offscreen platform for a few seconds. It fails if any of them fails.
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
echo "== bundle: $(du -sh dist/ConvViz | cut -f1) in dist/ConvViz"

# Run the bundle headless, with throwaway settings and data so the check touches nothing of yours.
SMOKE=$(mktemp -d)
trap 'rm -rf "$SMOKE"' EXIT
export QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$SMOKE/config" XDG_DATA_HOME="$SMOKE/data"

echo "== $BIN --version"
"$BIN" --version

echo "== $BIN conv --input course-example --kernel course-normalized --stride 2 --padding 1"
"$BIN" conv --input course-example --kernel course-normalized --stride 2 --padding 1

echo "== $BIN (GUI, offscreen, quits after 4 s)"
CONVVIZ_QUIT_AFTER_MS=4000 timeout 120 "$BIN"

echo "== OK: $ROOT/dist/ConvViz/ConvViz"
