"""The bundle's smoke checks (packaging/convviz_smoke.py, which packaging/build.sh runs on the frozen
app) run here on the unfrozen app, started through the bundle's own entry script
(packaging/convviz_launcher.py): a method the smoke test calls that was renamed or moved fails this
test, not the release build."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def load_smoke():
    # packaging/ shares its name with the PyPI package `packaging`, so load the file by path.
    spec = importlib.util.spec_from_file_location("convviz_smoke", PACKAGING / "convviz_smoke.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


smoke_module = load_smoke()


def make_smoke(tmp_path: Path, program: list[str], log: list[str]):
    # This checkout's visualizer, whatever the venv has installed (an editable install elsewhere).
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return smoke_module.Smoke(
        program=program, workdir=tmp_path, tables=ROOT / "resources" / "architectures" / "tables",
        train_sizes=(200, 100, 100), quit_after_ms=1500, gui_timeout_s=120, command_timeout_s=120,
        extra_env={"PYTHONPATH": path}, log=log.append,
    )


@pytest.mark.parametrize("name", list(smoke_module.CHECKS))
def test_bundle_smoke_check_passes_unfrozen(name, tmp_path, request):
    log: list[str] = []
    smoke = make_smoke(tmp_path, [sys.executable, str(PACKAGING / "convviz_launcher.py")], log)
    if name == "train":
        smoke.mnist = request.getfixturevalue("mnist_dir")  # skipped when MNIST is absent
    try:
        smoke_module.CHECKS[name](smoke)
    except smoke_module.SmokeFailure as exc:
        pytest.fail(f"{exc}\n" + "\n".join(log))
    if name == "gui":  # every tab, the guide and the icon were checked, not just started
        out = "\n".join(log)
        for line in ("smoke-gui: tab 4 'Network'", "smoke-gui: guide: ", "smoke-gui: icon: convviz.svg loads"):
            assert line in out, out


def test_smoke_checks_fail_on_a_wrong_program(tmp_path):
    log: list[str] = []
    quiet = make_smoke(tmp_path, [sys.executable, "-c", "print('hello')"], log)
    for name in ("version", "conv", "gui"):
        with pytest.raises(smoke_module.SmokeFailure):
            smoke_module.CHECKS[name](quiet)
    failing = make_smoke(tmp_path, [sys.executable, "-c", "raise SystemExit(3)"], log)
    with pytest.raises(smoke_module.SmokeFailure, match="exited 3, not 0"):
        smoke_module.CHECKS["shapes"](failing)
    missing = make_smoke(tmp_path, [str(tmp_path / "no-such-program")], log)
    with pytest.raises(smoke_module.SmokeFailure, match="cannot start"):
        smoke_module.CHECKS["version"](missing)


def test_the_train_check_says_why_it_skips_without_mnist(tmp_path):
    smoke = make_smoke(tmp_path, [sys.executable, "-c", "raise SystemExit(0)"], [])
    with pytest.raises(smoke_module.SmokeSkipped, match="no MNIST found"):
        smoke_module.CHECKS["train"](smoke)


def test_smoke_driver_refuses_bad_options(tmp_path, capsys):
    for argv in (["--tables", str(tmp_path / "nope"), "prog"],
                 ["--tables", str(tmp_path), "--mnist", str(tmp_path), "prog"],
                 ["--tables", str(tmp_path), "--quit-after-ms", "0", "prog"],
                 ["--tables", str(tmp_path)]):
        with pytest.raises(SystemExit) as exc:
            smoke_module.main(argv)
        assert exc.value.code == 2
        assert "error:" in capsys.readouterr().err


def test_build_sh_runs_the_same_smoke_checks():
    build = (PACKAGING / "build.sh").read_text()
    assert '"$VENV/bin/python" packaging/convviz_smoke.py' in build
    launcher = (PACKAGING / "convviz_launcher.py").read_text()
    assert "convviz_smoke.install()" in launcher
