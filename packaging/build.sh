#!/usr/bin/env bash
# Build the one-folder bundle dist/ConvViz/ with PyInstaller, prove it runs, and archive it as
# dist/ConvViz-<version>-linux-x86_64.tar.gz (on Linux; the name carries the machine's architecture).
#
#   packaging/build.sh                      # fresh venv in build/package-venv, pip's default torch
#   packaging/build.sh --cpu                # the same with the CPU-only build of torch (much smaller)
#   CONVVIZ_VENV=.venv packaging/build.sh   # reuse a venv that already has ConvViz and PyInstaller
#   packaging/build.sh --cpu --dry-run      # print what would be installed and built, do nothing
#
# Options:
#   --cpu       install torch from PyTorch's CPU index (https://download.pytorch.org/whl/cpu) before
#               ConvViz: measured 831 MB by du -sh, 273 MB as .tar.gz; for any machine, GPU or not.
#               Without it pip picks torch's default build, on Linux the CUDA one: measured 4.3 GB,
#               2.9 GB of which NVIDIA's CUDA libraries; only for machines with an NVIDIA GPU.
#               With CONVVIZ_VENV, --cpu checks that the venv's torch is a CPU build instead.
#   --dry-run   print the steps (venv, installs, PyInstaller) without running them
#   --help      this text
# Environment:
#   CONVVIZ_VENV        a venv to use as it is (nothing is installed into it)
#   PYTHON              the interpreter that makes the fresh venv (default python3)
#   TORCH_INDEX_URL     another index to get torch from first (a CUDA one, a mirror); not with --cpu
#   CONVVIZ_SMOKE_DATA  a folder with the four MNIST files for the smoke test's short training run
#                       (default: $CONVVIZ_DATA, then ../shared/data/mnist beside the repository);
#                       without MNIST that step is skipped, with a message saying so
# The script ends by checking the bundle's libraries and then running packaging/convviz_smoke.py on
# the bundled binary, headless with throwaway settings: --version, a `conv` run on the course
# example, `shapes --check` on bundled tables, a one-epoch `train` on 1,000 MNIST images, and the GUI
# on the offscreen platform (every tab shown, the guide and each of its pages opened). It fails if
# any of them fails, or if a bundled library needs a Qt, PySide6 or torch library the bundle lacks.
# The test suite runs the same checks on the unfrozen app (tests/test_smoke.py).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PIP_DISABLE_PIP_VERSION_CHECK=1
CPU_INDEX_URL=https://download.pytorch.org/whl/cpu

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "build.sh: $1" >&2; exit "${2:-2}"; }

cpu=0
dry_run=0
for arg in "$@"; do
  case $arg in
    --cpu) cpu=1 ;;
    --dry-run) dry_run=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$arg' (options: --cpu, --dry-run, --help)" ;;
  esac
done

TORCH_INDEX=${TORCH_INDEX_URL:-}
if [ "$cpu" = 1 ]; then
  [ -z "$TORCH_INDEX" ] || [ "$TORCH_INDEX" = "$CPU_INDEX_URL" ] ||
    die "--cpu installs torch from $CPU_INDEX_URL; TORCH_INDEX_URL=$TORCH_INDEX asks for another index: give one of them"
  TORCH_INDEX=$CPU_INDEX_URL
fi

# Runs a step, or only prints it with --dry-run.
step() {
  if [ "$dry_run" = 1 ]; then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

if [ -n "${CONVVIZ_VENV:-}" ]; then
  VENV=$CONVVIZ_VENV
  [ -x "$VENV/bin/python" ] || die "CONVVIZ_VENV=$VENV is not a venv (no $VENV/bin/python)"
  "$VENV/bin/python" -c "import PyInstaller, visualizer" ||
    die "$VENV lacks PyInstaller or ConvViz; run: $VENV/bin/pip install '.[package]'"
else
  VENV=build/package-venv
  step "${PYTHON:-python3}" -m venv "$VENV"
  step "$VENV/bin/pip" install -q --upgrade pip
  if [ -n "$TORCH_INDEX" ]; then
    step "$VENV/bin/pip" install -q torch --index-url "$TORCH_INDEX"
  fi
  step "$VENV/bin/pip" install -q ".[package]"
fi

if [ "$dry_run" = 1 ]; then
  step "$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/convviz.spec
  echo "(dry run: nothing was installed or built; the bundle would then be checked and archived)"
  exit 0
fi
# pip keeps a torch that is already there (a CUDA one from an earlier build in the same venv, say).
if [ "$cpu" = 1 ] && ! "$VENV/bin/python" -c "import sys, torch; sys.exit(torch.version.cuda is not None)"; then
  die "--cpu, but the torch in $VENV is a CUDA build; remove $VENV (or, for CONVVIZ_VENV, run: $VENV/bin/pip install --force-reinstall torch --index-url $CPU_INDEX_URL)" 1
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
    ours=$(printf '%s\n' "$missing" | grep -E '^lib(Qt6|pyside6|shiboken6|torch|c10|python3)' | tr '\n' ' ' || true)
    if [ -n "$ours" ]; then
      echo "build.sh: ${lib#"$internal"/} needs ${ours% }, which the bundle lacks" >&2
      broken=1
    fi
    system_missing+="$missing"$'\n'
  done < <(find "$internal" -type f \( -name '*.so' -o -name '*.so.*' \) -print0)
  [ "$broken" = 0 ] || exit 1
  [ -z "$system_missing" ] ||
    echo "   (not on this machine, expected on the user's: $(printf '%s' "$system_missing" | sort -u | tr '\n' ' '))"
fi

# Run the bundle headless, with throwaway settings and data so the check touches nothing of yours
# (convviz_smoke.py makes them; it also finds MNIST as described above).
echo "== smoke test: packaging/convviz_smoke.py on $BIN"
"$VENV/bin/python" packaging/convviz_smoke.py \
  --tables dist/ConvViz/_internal/visualizer/resources/architectures/tables -- "$BIN" ||
  die "the smoke test of the bundle failed (see above)" 1

if [ "$(uname -s)" = Linux ]; then
  ARCHIVE=dist/ConvViz-$VERSION-linux-$(uname -m).tar.gz
  echo "== archive: $ARCHIVE"
  rm -f "$ARCHIVE"
  tar -C dist -cf - ConvViz | gzip -6 >"$ARCHIVE.part"
  mv -f "$ARCHIVE.part" "$ARCHIVE"
  echo "   $(du -sh "$ARCHIVE" | cut -f1) ($(du -sb "$ARCHIVE" | cut -f1) bytes)"
fi

echo "== OK: $ROOT/dist/ConvViz/ConvViz (bundle $(du -sh dist/ConvViz | cut -f1))"
