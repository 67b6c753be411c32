"""Importing the user's torch module and building it, for `convviz shapes --module FILE.py:FACTORY`.

This RUNS THE USER'S CODE: it imports the file (or `package.module`) and calls FACTORY (a class or
a function with no required arguments, or an nn.Module object). The model is built on torch's
meta device (shapes only: no memory for weights, no values). A model whose `__init__` computes
with tensors (torchvision's RegNet turns `torch.arange` maths into layer widths with `.tolist()`)
cannot be built there: "Cannot copy out of meta tensor". Such a model is built again with its
parameters and buffers moved to the meta device as they are made (its own tensor maths runs on the
CPU), which counts its parameters without their memory; if they fit MAX_CPU_PARAM_BYTES it is
then built on the CPU for real, and its forward pass runs there. A model whose forward pass
computes with tensor values (`if x.sum() > 0`, `.item()`) is built on the CPU the same way
(`build_on_cpu`, called by core.module_summary), its parameters counted on the meta device first.

Any error in the user's code (a SyntaxError, a missing factory, a forward pass that raises) is
one UserInputError naming the file and line, e.g. ``net.py:12: ZeroDivisionError: division by
zero``. Warnings the user's code or torch raise meanwhile are kept off stderr (`quiet`): the CLI's
one error line is the only thing it prints there.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import itertools
import math
import re
import sys
import threading
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from visualizer.core.errors import UserInputError

_counter = itertools.count(1)
_SPEC = re.compile(r"^(?P<target>.+):(?P<factory>[A-Za-z_][A-Za-z0-9_.]*)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: Most parameter memory (float32) a model built on the CPU may take: 2 GiB, 512 million parameters.
MAX_CPU_PARAM_BYTES = 2 * 2**30
#: Most input values (C·H·W) for a forward pass on the CPU, e.g. 3×1024×1024 (on the meta device any size is free).
MAX_CPU_INPUT_VALUES = 4 * 2**20


@dataclass
class BuiltModule:
    """The user's model, where it lives ("meta" or "cpu"), its name and file, the factory that
    made it, and (on the CPU) which part of it needs tensor values: "its __init__" or "its forward
    pass"."""

    model: Any
    device: str
    name: str
    user_file: str | None
    factory: Any = None
    needs_values: str = ""

    def rebuildable(self) -> bool:
        """Whether the factory can make the model again (an nn.Module object given as FACTORY cannot)."""
        from torch import nn

        return self.factory is not None and not isinstance(self.factory, nn.Module)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Warnings raised by the user's code or by torch (a forward that takes a dict, torch.load of
    a pickled model) are not printed: the CLI prints one error line or the table, nothing else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


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


def user_error(exc: BaseException, user_file: str | None, doing: str) -> UserInputError:
    """One line for an error in the user's code: "file:line: Type: first line of the message"."""
    text = _ANSI.sub("", str(exc)).strip()  # torch.load's message has terminal colour codes
    text = text.splitlines()[0] if text else ""
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
    with quiet():
        if target.endswith(".py") or "/" in target or "\\" in target:
            module, user_file = _import_file(target)
        else:
            module, user_file = _import_package(target)
    obj: Any = module
    for part in name.split("."):
        if not hasattr(obj, part):
            where = Path(user_file).name if user_file else target
            known = sorted(k for k in vars(module) if not k.startswith("_"))[:12]
            raise UserInputError(f"{where}: no factory named {name!r}" +
                                 (f" (it defines: {', '.join(known)})" if known else ""))
        obj = getattr(obj, part)
    return obj, name, user_file


def _import_file(target: str) -> tuple[Any, str]:
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
        raise user_error(exc, user_file, "import") from None
    finally:
        sys.modules.pop(mod_name, None)
        try:
            sys.path.remove(folder)
        except ValueError:  # pragma: no cover - the user's code removed it
            pass
    return module, user_file


def _import_package(target: str) -> tuple[Any, str | None]:
    added = False
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # `convviz` finds packages where the user stands
        added = True
    try:
        module = importlib.import_module(target)
    except ModuleNotFoundError as exc:
        if exc.name and target.startswith(exc.name):
            raise UserInputError(f"--module: no module named {exc.name!r}") from None
        raise user_error(exc, None, "import") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001
        raise user_error(exc, None, "import") from None
    finally:
        if added:
            sys.path.remove(str(Path.cwd()))
    return module, getattr(module, "__file__", None)


def _make(factory: Any) -> Any:
    """The factory's result (the user's code runs here; its errors propagate as they are)."""
    from torch import nn

    with quiet():
        return factory() if not isinstance(factory, nn.Module) else factory


def _checked(model: Any, name: str) -> Any:
    from torch import nn

    if not isinstance(model, nn.Module):
        raise UserInputError(f"{name} gave a {type(model).__name__}, not a torch.nn.Module")
    return model


def _build_error(exc: BaseException, factory: Any, name: str, user_file: str | None) -> UserInputError:
    if isinstance(exc, TypeError) and callable(factory) and "required positional argument" in str(exc):
        return UserInputError(f"{name} needs arguments ({str(exc).splitlines()[0][:160]}); give a "
                              f"class or function that needs none")
    return user_error(exc, user_file, "build")


def needs_values(exc: BaseException) -> bool:
    """The meta device failed because the user's code wanted a tensor's values."""
    return isinstance(exc, (RuntimeError, NotImplementedError, ValueError, TypeError)) and \
        "meta" in str(exc).lower()


def build_module(spec: str, input_shape: tuple[int, ...]) -> BuiltModule:
    """Import and build the model of FILE.py:FACTORY: on the meta device, or on the CPU when its
    `__init__` computes with tensor values (see the module docstring). UserInputError otherwise."""
    import torch

    factory, name, user_file = load_factory(spec)
    built = BuiltModule(None, "meta", name, user_file, factory)
    try:
        with torch.device("meta"):
            model = _checked(_make(factory), name)
        with quiet():
            built.model = model.to("meta")
        return built
    except UserInputError:
        raise
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's code
        if not needs_values(exc) or not built.rebuildable():
            raise _build_error(exc, factory, name, user_file) from None
    return build_on_cpu(built, input_shape, "its __init__")


def build_on_cpu(built: BuiltModule, input_shape: tuple[int, ...], who: str) -> BuiltModule:
    """The model built again on the CPU, because `who` ("its __init__", "its forward pass") computes
    with tensor values. Its parameters are counted on the meta device first and refused past
    MAX_CPU_PARAM_BYTES (a model whose __init__ needs its own weights' values cannot be counted
    first: its CPU build is stopped when the tensors it makes pass the same budget)."""
    factory, name, user_file = built.factory, built.name, built.user_file
    if built.model is not None:  # built on the meta device already: its weights are counted there
        size: int | None = _weights_bytes(built.model)
    else:
        size = _counted_weights_bytes(factory, name, user_file)
    limit = f"{MAX_CPU_PARAM_BYTES // 2**30} GiB"
    if size is not None and size > MAX_CPU_PARAM_BYTES:
        raise UserInputError(f"{name}: {who} computes with tensor values, so it must be built on the CPU, "
                             f"where its weights would take {size / 2**30:.1f} GiB (more than {limit}); not built")
    if math.prod(input_shape) > MAX_CPU_INPUT_VALUES:
        raise UserInputError(f"{name} is built on the CPU ({who} computes with tensor values), where an input "
                             f"of more than {MAX_CPU_INPUT_VALUES:,} values is refused; give a smaller --input")
    try:
        with _at_most(MAX_CPU_PARAM_BYTES):
            model = _checked(_make(factory), name)
    except UserInputError:
        raise
    except _TooBig:
        raise UserInputError(f"{name}: {who} computes with tensor values, so it is built on the CPU, where it "
                             f"asked for more than {limit}; stopped") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's code
        raise _build_error(exc, factory, name, user_file) from None
    return BuiltModule(model, "cpu", name, user_file, factory, who)


def _weights_bytes(model: Any) -> int:
    tensors = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
    return sum(t.numel() * t.element_size() for t in tensors.values())


def _counted_weights_bytes(factory: Any, name: str, user_file: str | None) -> int | None:
    """Bytes of the model's parameters and buffers, counted with them on the meta device; None when
    its __init__ needs their values (then they cannot be counted without making them)."""
    try:
        with _parameters_on_meta():
            counted = _checked(_make(factory), name)
    except UserInputError:
        raise
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's code
        if needs_values(exc):
            return None
        raise _build_error(exc, factory, name, user_file) from None
    return _weights_bytes(counted)


class _TooBig(BaseException):
    """Raised inside the user's __init__ (a BaseException: their `except Exception` lets it by)."""


@contextlib.contextmanager
def _at_most(budget: int) -> Iterator[None]:
    """Stop this thread's tensor making (torch.empty, zeros, randn, ...) once it asks for more than
    `budget` bytes in all."""
    import torch
    from torch.overrides import TorchFunctionMode

    sized = {getattr(torch, n) for n in _SIZED}
    asked = [0]

    class Budget(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            if func in sized and str(kwargs.get("device") or "cpu").startswith("cpu"):
                dtype = kwargs.get("dtype") or torch.get_default_dtype()
                asked[0] += _requested_values(args, kwargs) * dtype.itemsize
                if asked[0] > budget:
                    raise _TooBig()
            return func(*args, **kwargs)

    with Budget():
        yield


#: A tensor the user's `__init__` makes with more values than this goes on the meta device while
#: its parameters are counted (weights are big; the tensor maths that sizes layers is small).
BIG_TENSOR_VALUES = 2**20
_SIZED = ("empty", "zeros", "ones", "rand", "randn", "full", "empty_strided")


def _requested_values(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """How many values torch.empty(...)-like arguments ask for (0 when they cannot be read)."""
    size = kwargs.get("size", args[0] if len(args) == 1 or (args and not isinstance(args[0], int)) else args)
    if isinstance(size, int):
        size = (size,)
    try:
        return math.prod(int(v) for v in size)
    except (TypeError, ValueError):
        return 0


@contextlib.contextmanager
def _parameters_on_meta() -> Iterator[None]:
    """While the user's `__init__` runs on the CPU in this thread, each parameter and buffer it
    registers is moved to the meta device at once, and a big tensor (BIG_TENSOR_VALUES) it makes
    with no device named is made there (other threads are left alone): its tensor maths gets real
    values, its weights take no memory."""
    import torch
    from torch import nn
    from torch.overrides import TorchFunctionMode

    sized = {getattr(torch, n) for n in _SIZED}

    class BigOnMeta(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None) -> Any:
            kwargs = dict(kwargs or {})
            if func in sized and kwargs.get("device") is None and \
                    _requested_values(args, kwargs) > BIG_TENSOR_VALUES:
                kwargs["device"] = "meta"
            return func(*args, **kwargs)

    me = threading.get_ident()
    register_parameter, register_buffer = nn.Module.register_parameter, nn.Module.register_buffer

    def parameter(self: Any, name: str, param: Any) -> None:
        register_parameter(self, name, param)
        p = self._parameters.get(name)
        if threading.get_ident() == me and p is not None and p.device.type != "meta":
            try:
                self._parameters[name] = type(p)(p.to("meta"), requires_grad=p.requires_grad)
            except (RuntimeError, TypeError, ValueError):  # e.g. a lazy module's uninitialised one
                pass

    def buffer(self: Any, name: str, tensor: Any, persistent: bool = True) -> None:
        if threading.get_ident() == me and isinstance(tensor, torch.Tensor):
            tensor = tensor.to("meta")
        register_buffer(self, name, tensor, persistent)

    nn.Module.register_parameter, nn.Module.register_buffer = parameter, buffer
    try:
        with BigOnMeta():
            yield
    finally:
        nn.Module.register_parameter, nn.Module.register_buffer = register_parameter, register_buffer
