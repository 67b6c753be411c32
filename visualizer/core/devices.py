"""Which compute devices this machine offers torch, and the torch device a run uses: the one home
for device detection and device picking.

Probing imports torch (a second or more), so the GUI asks in a child process (`report_to_json`
there, `report_from_json` and `remember_devices` here) and reads `cached_devices()` afterwards; the CLI calls `probe_devices()` when it needs it.
The answer is cached for the life of the process: devices do not come and go while it runs.
"""

from __future__ import annotations

import os
import json
import threading
from dataclasses import dataclass, field

from visualizer.core.errors import UserInputError
from visualizer.core.parsing import is_whole_number_text, parse_device

#: What a user can choose. "auto" means CUDA, then Apple's MPS, then the CPU (PyTorch's usual order).
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
DEVICE_LABELS = {
    "auto": "Automatic (CUDA, then MPS, then CPU)",
    "cpu": "CPU",
    "cuda": "CUDA (NVIDIA GPU)",
    "mps": "MPS (Apple GPU)",
}


@dataclass(frozen=True)
class DeviceReport:
    """What torch says about this machine's devices."""

    torch_version: str = ""
    cuda: bool = False
    cuda_devices: tuple[str, ...] = ()  # names, index order
    cuda_build: str | None = None  # torch.version.cuda; None for a CPU-only build of torch
    mps: bool = False
    #: Why torch could not be asked (not installed, or broken); empty when it answered.
    error: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def auto(self) -> str:
        """The device "auto" picks: "cuda", "mps" or "cpu"."""
        return "cuda" if self.cuda else ("mps" if self.mps else "cpu")

    def available(self) -> list[str]:
        """The choices worth offering: "auto" and "cpu", plus "cuda" / "mps" where present."""
        out = ["auto", "cpu"]
        if self.cuda:
            out.append("cuda")
        if self.mps:
            out.append("mps")
        return out

    def has(self, device: str) -> bool:
        """Whether `device` ("auto", "cpu", "cuda", "cuda:N" or "mps") can be used here."""
        if device in ("auto", "cpu"):
            return True
        if device == "cuda":
            return self.cuda
        if device.startswith("cuda:") and is_whole_number_text(device[5:]):
            return self.cuda and int(device[5:]) < len(self.cuda_devices)
        if device == "mps":
            return self.mps
        return False

    def describe(self) -> dict[str, str]:
        """Lines for an About box: CUDA and MPS in words."""
        if self.error:
            return {"CUDA": f"unknown ({self.error})", "MPS": "unknown"}
        if self.cuda:
            cuda = f"available: {', '.join(self.cuda_devices)} (CUDA {self.cuda_build})"
        elif self.cuda_build is None:
            cuda = "not available (CPU-only build of torch)"
        else:
            cuda = f"not available (torch built for CUDA {self.cuda_build}; no device found)"
        return {"CUDA": cuda, "MPS": "available" if self.mps else "not available"}


_lock = threading.Lock()
_report: DeviceReport | None = None


def probe_devices() -> DeviceReport:
    """Ask torch once (imports it: call it off the GUI thread); later calls return the same report."""
    global _report
    with _lock:
        if _report is None:
            _report = _probe()
        return _report


def cached_devices() -> DeviceReport | None:
    """The report if `probe_devices` has run, else None; never imports torch."""
    return _report


def remember_devices(report: DeviceReport) -> DeviceReport:
    """Cache a report probed elsewhere (the GUI asks torch in a child process); the first one kept
    wins, as with `probe_devices`."""
    global _report
    with _lock:
        if _report is None:
            _report = report
        return _report


def report_to_json(report: DeviceReport) -> str:
    """One line of JSON for a report (what the child process of the GUI's probe prints)."""
    return json.dumps({"torch_version": report.torch_version, "cuda": report.cuda,
                       "cuda_devices": list(report.cuda_devices), "cuda_build": report.cuda_build,
                       "mps": report.mps, "error": report.error})


def report_from_json(text: str) -> DeviceReport:
    """The report `report_to_json` wrote; ValueError when `text` is not one."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a device report")
    build = data.get("cuda_build")
    return DeviceReport(torch_version=str(data.get("torch_version", "")), cuda=bool(data.get("cuda")),
                        cuda_devices=tuple(str(n) for n in data.get("cuda_devices") or ()),
                        cuda_build=None if build is None else str(build), mps=bool(data.get("mps")),
                        error=str(data.get("error", "")))


def _probe() -> DeviceReport:
    try:
        import torch
    except Exception as exc:  # noqa: BLE001  (torch missing or broken: the CPU is still offered)
        return DeviceReport(error=f"{type(exc).__name__}: {exc}")
    try:
        cuda = bool(torch.cuda.is_available())
        names = tuple(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())) if cuda else ()
        backend = getattr(torch.backends, "mps", None)
        mps = bool(backend is not None and backend.is_available())
        return DeviceReport(torch_version=str(torch.__version__), cuda=cuda, cuda_devices=names,
                            cuda_build=torch.version.cuda, mps=mps)
    except Exception as exc:  # noqa: BLE001  (a broken driver must not take the app down)
        return DeviceReport(torch_version=str(getattr(torch, "__version__", "")),
                            error=f"{type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------------------
# Picking a device, and threads

def pick_device(name: str = "auto"):
    """A torch.device for "auto" (CUDA, then MPS, then CPU), "cpu", "cuda[:N]" or "mps";
    UserInputError when the machine does not have it (the name is read by core.parsing's device
    rule first)."""
    import torch

    name = parse_device(name)
    report = probe_devices()
    if name == "auto":
        name = report.auto
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not report.cuda:
            build = "a CPU-only build of torch" if report.cuda_build is None else "no CUDA device found"
            raise UserInputError(f"CUDA is not available on this machine ({build}); use --device cpu or auto")
        index = int(name[5:]) if name.startswith("cuda:") else torch.cuda.current_device()
        if index >= len(report.cuda_devices):
            raise UserInputError(f"there is no CUDA device {index} (this machine has {len(report.cuda_devices)})")
        return torch.device("cuda", index)
    if name == "mps":
        if not report.mps:
            raise UserInputError("Apple MPS is not available on this machine; use --device cpu or auto")
        return torch.device("mps")
    raise AssertionError(name)  # parse_device let through only the names above


def gui_thread_count() -> int:
    """CPU threads to give torch when the GUI shares the process: one core left for the GUI."""
    return max(1, (os.cpu_count() or 2) - 1)
