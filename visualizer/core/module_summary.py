"""The shape table of any torch module: `convviz shapes --module FILE.py:FACTORY` and the Shapes
tab's File → Open Python module….

This RUNS THE USER'S CODE: it imports the file (or `package.module`), calls FACTORY (a class or
a function with no required arguments, or an nn.Module object) to get an `nn.Module`, then runs
one forward pass of a 1×C×H×W input on torch's meta device (shapes only: no memory for weights
or activations, no real values) with a forward hook on every leaf module (one without child
modules). The rows are the leaf modules in the order they were called: a module called twice
(torchvision's BasicBlock calls its one ReLU twice) gives two rows, its parameters counted on
the first. Params, MACs and memory follow compute_table's conventions (MAC_CONVENTION): only
convolutions and Linear layers do multiply-adds, C_out·H_out·W_out·(C_in/groups)·kh·kw and
in_features·out_features per output vector.

Any error in the user's code (a SyntaxError, a missing factory, a forward pass that raises) is
one UserInputError naming the file and line, e.g. ``net.py:12: ZeroDivisionError: division by
zero``.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import math
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

from visualizer.core.architecture import Architecture, LayerRow, ShapeTable
from visualizer.core.errors import UserInputError

_counter = itertools.count(1)
_SPEC = re.compile(r"^(?P<target>.+):(?P<factory>[A-Za-z_][A-Za-z0-9_.]*)$")


def split_spec(spec: str) -> tuple[str, str]:
    """"net.py:Net" -> ("net.py", "Net"); "pkg.mod:make" -> ("pkg.mod", "make"); UserInputError."""
    m = _SPEC.match(str(spec).strip())
    if not m:
        raise UserInputError(f"--module: give FILE.py:FACTORY or package.module:FACTORY, got {spec!r}")
    return m.group("target"), m.group("factory")


def _where(exc: BaseException, user_file: str | None) -> str:
    """"file:line" of the frame in the user's code that raised (the innermost one in their file,
    else the innermost outside torch and ConvViz)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{Path(exc.filename).name}:{exc.lineno or '?'}"
    frames = traceback.extract_tb(exc.__traceback__)
    want = str(Path(user_file).resolve()) if user_file else None
    mine = [f for f in frames if want and _same_file(f.filename, want)]
    if not mine:
        mine = [f for f in frames if not _is_library(f.filename)]
    if mine:
        return f"{Path(mine[-1].filename).name}:{mine[-1].lineno}"
    return f"{Path(user_file).name}:?" if user_file else "?"


def _same_file(a: str, b: str) -> bool:
    try:
        return str(Path(a).resolve()) == b
    except OSError:
        return False


def _is_library(filename: str) -> bool:
    parts = Path(filename).parts
    return ("torch" in parts or "visualizer" in parts or "importlib" in filename
            or filename.startswith("<frozen") or "site-packages" in parts)


def _user_error(exc: BaseException, user_file: str | None, doing: str) -> UserInputError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, SyntaxError):
        text = exc.msg or text
    text = text[:200]
    hint = " (the forward pass runs on the meta device, which has shapes but no values)" \
        if "meta" in text.lower() and doing == "forward" else ""
    return UserInputError(f"{_where(exc, user_file)}: {type(exc).__name__}{': ' + text if text else ''}"
                          f"{hint}")


def load_factory(spec: str) -> tuple[Callable[[], Any], str, str | None]:
    """(factory, its name, the file it comes from) for FILE.py:FACTORY or package.module:FACTORY.
    Imports (runs) the user's file."""
    target, name = split_spec(spec)
    user_file: str | None
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target)
        if not path.is_file():
            raise UserInputError(f"--module: {target}: no such file")
        user_file = str(path.resolve())
        mod_name = f"convviz_user_module_{next(_counter)}"
        loader_spec = importlib.util.spec_from_file_location(mod_name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise UserInputError(f"--module: {target}: cannot be imported as Python")
        module = importlib.util.module_from_spec(loader_spec)
        folder = str(path.resolve().parent)
        sys.path.insert(0, folder)  # so the file can import its neighbours
        sys.modules[mod_name] = module  # dataclasses and pickling look themselves up here
        try:
            loader_spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any error in the user's file
            raise _user_error(exc, user_file, "import") from None
        finally:
            sys.modules.pop(mod_name, None)
            try:
                sys.path.remove(folder)
            except ValueError:  # pragma: no cover - the user's code removed it
                pass
    else:
        added = False
        if "" not in sys.path and str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))  # `convviz` finds packages where the user stands
            added = True
        try:
            module = importlib.import_module(target)
        except ModuleNotFoundError as exc:
            if exc.name and target.startswith(exc.name):
                raise UserInputError(f"--module: no module named {exc.name!r}") from None
            raise _user_error(exc, None, "import") from None
        except (Exception, SystemExit) as exc:  # noqa: BLE001
            raise _user_error(exc, None, "import") from None
        finally:
            if added:
                sys.path.remove(str(Path.cwd()))
        user_file = getattr(module, "__file__", None)
    obj: Any = module
    for part in name.split("."):
        if not hasattr(obj, part):
            where = Path(user_file).name if user_file else target
            known = sorted(k for k in vars(module) if not k.startswith("_"))[:12]
            raise UserInputError(f"{where}: no factory named {name!r}" +
                                 (f" (it defines: {', '.join(known)})" if known else ""))
        obj = getattr(obj, part)
    return obj, name, user_file


def _tensor_shape(value: Any) -> tuple[int, ...] | None:
    """The shape without the batch axis of a tensor, or of the first tensor in a tuple/list/dict."""
    import torch

    if isinstance(value, torch.Tensor):
        return tuple(int(v) for v in value.shape[1:])
    if isinstance(value, (list, tuple)):
        for v in value:
            s = _tensor_shape(v)
            if s is not None:
                return s
    if isinstance(value, dict):
        return _tensor_shape(list(value.values()))
    return None


def _macs(module: Any, output: Any) -> int:
    from torch import nn

    if not isinstance(output, __import__("torch").Tensor):
        return 0
    if isinstance(module, nn.modules.conv._ConvNd):
        return output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return (output.numel() // max(module.out_features, 1)) * module.in_features * module.out_features
    return 0


def _settings(module: Any) -> str:
    try:
        text = module.extra_repr()
    except Exception:  # noqa: BLE001 - a user's extra_repr may fail on the meta device
        return ""
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:79] + "…"


def summarize_module(spec: str, input_shape: tuple[int, int, int]) -> ShapeTable:
    """Import, build on the meta device, run one forward pass with hooks: the table of leaf
    modules in call order (see the module docstring). UserInputError for anything wrong."""
    import torch
    from torch import nn

    factory, name, user_file = load_factory(spec)
    try:
        with torch.device("meta"):
            model = factory() if not isinstance(factory, nn.Module) else factory
    except TypeError as exc:
        if callable(factory) and "required positional argument" in str(exc):
            raise UserInputError(f"{name} needs arguments ({str(exc).splitlines()[0][:160]}); give a "
                                 f"class or function that needs none") from None
        raise _user_error(exc, user_file, "build") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001
        raise _user_error(exc, user_file, "build") from None
    if not isinstance(model, nn.Module):
        raise UserInputError(f"{name} gave a {type(model).__name__}, not a torch.nn.Module")
    try:
        model = model.to("meta")
    except Exception as exc:  # noqa: BLE001
        raise _user_error(exc, user_file, "build") from None
    model.eval()
    calls: list[tuple[str, Any, Any, Any]] = []
    names = {m: n for n, m in model.named_modules()}
    leaves = [m for m in model.modules() if not list(m.children())]

    def hook(module: Any, inputs: Any, output: Any) -> None:
        calls.append((names.get(module, type(module).__name__), module, inputs, output))

    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        # tensors the forward pass makes itself (torch.zeros(...) with no device) are meta too
        with torch.no_grad(), torch.device("meta"):
            result = model(torch.empty((1, *input_shape), device="meta"))
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's forward pass
        raise _user_error(exc, user_file, "forward") from None
    finally:
        for h in handles:
            h.remove()
    rows: list[LayerRow] = []
    seen: set[int] = set()
    for i, (qual, module, inputs, output) in enumerate(calls, start=1):
        first = id(module) not in seen
        seen.add(id(module))
        params = sum(p.numel() for p in module.parameters()) if first else 0
        trainable = sum(p.numel() for p in module.parameters() if p.requires_grad) if first else 0
        buffers = sum(b.numel() for b in module.buffers()) if first else 0
        out = _tensor_shape(output)
        row = LayerRow(index=i, name=qual or "(model)", type=type(module).__name__,
                       settings=_settings(module) + ("" if first else " (called again)"),
                       input_shape=_tensor_shape(inputs), output_shape=out,
                       params=params, trainable_params=trainable, buffers=buffers, macs=_macs(module, output),
                       activation_bytes=4 * math.prod(out) if out is not None else 0)
        row.output_hint = out
        rows.append(row)
    total = sum(p.numel() for p in model.parameters())
    rest = total - sum(r.params for r in rows)
    if rest:
        extra = LayerRow(index=len(rows) + 1, name="(other parameters)", type="Parameter",
                         settings="held by containers or by modules the forward pass did not call",
                         input_shape=None, output_shape=None, params=rest,
                         trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad)
                         - sum(r.trainable_params for r in rows))
        extra.output_hint = None
        rows.append(extra)
    arch = Architecture(tuple(int(v) for v in input_shape), [], name=f"{name} ({Path(user_file).name})"
                        if user_file else name, description=f"torch module {spec}")
    return ShapeTable(architecture=arch, rows=rows, total_params=total,
                      total_trainable_params=sum(r.trainable_params for r in rows),
                      total_macs=sum(r.macs for r in rows),
                      total_activation_bytes=sum(r.activation_bytes for r in rows),
                      total_buffers=sum(b.numel() for b in model.buffers()),
                      model_output=_tensor_shape(result))
