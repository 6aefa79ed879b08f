"""C++ medimg networks as complete torch.nn.Modules.

``torch::python::bind_module`` makes a C++ module a ``torch.nn.cpp.ModuleWrapper``: its
parameters and training flag are shared with C++, but its children come back as bare
``torch._C.cpp.nn.Module`` objects, so ``state_dict()``, ``load_state_dict()``,
``named_modules()`` and ``apply()``, which recurse over ``_modules`` in Python, fail.
``CppModule`` wraps every child in a ``CppModule`` as well, so the whole tree is made of
``torch.nn.Module`` objects that share their tensors with the C++ network: Python's own
implementations of those methods then work unchanged, and optimizers, ``.to()``,
``.train()``/``.eval()`` and autograd act on the C++ parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Dict, Iterator, Type

import torch
from torch.nn.cpp import ModuleWrapper, OrderedDictWrapper

from .. import _medimg

__all__ = ["CppModule"]

# pybind11 class of a bound C++ network (_medimg.cpp.UNet, ...) -> its public Python class,
# so that a child that is itself a medimg network (a CBAM inside a ResNet block) comes back
# as that class.
_PUBLIC_CLASSES: Dict[type, Type["CppModule"]] = {}


def construct(cpp_class: type, *args: Any, **options: Any) -> Any:
    """``cpp_class(*args, **options)``. pybind11 refuses an unknown or missing option, or a
    value of the wrong type, with a TypeError listing the signature: that becomes an
    ArgumentError naming the option."""
    try:
        return cpp_class(*args, **options)
    except TypeError as error:
        if "incompatible constructor arguments" not in str(error):
            raise
        name = cpp_class.__name__
        found = re.search(r"\d+\. [\w.]*\b" + name + r"\((.*)\)", str(error))
        params = found.group(1) if found else ""
        starts = list(re.finditer(r"(\w+): ", params))
        names = [m.group(1) for m in starts]
        required = [m.group(1) for m, end in zip(starts, [m.start() for m in starts[1:]] + [None])
                    if " = " not in params[m.end():end]]
        keywords = names[len(args):]
        unknown = [k for k in options if k not in keywords]
        missing = [k for k in required[len(args):] if k not in options]
        if unknown:
            detail = (f"unknown option(s) {', '.join(map(repr, unknown))}; expected "
                      f"{', '.join(keywords)}")
        elif missing:
            detail = f"missing option(s) {', '.join(map(repr, missing))}"
        else:
            detail = f"an argument has the wrong type; expected ({params})"
        raise _medimg.ArgumentError(f"{name}: {detail}") from None


def require_module(module: Any, who: str) -> None:
    """ArgumentError unless `module` is a torch.nn.Module (else an AttributeError would)."""
    if not isinstance(module, torch.nn.Module):
        raise _medimg.ArgumentError(f"{who}: expected a torch.nn.Module, got "
                                    f"{type(module).__name__}")


def register(cpp_class: type, public_class: Type["CppModule"]) -> None:
    """Makes children of type ``cpp_class`` come back as ``public_class``."""
    _PUBLIC_CLASSES[cpp_class] = public_class


def wrap(cpp_module) -> "CppModule":
    """A CppModule (or the registered public class) around a C++ module object."""
    cls = _PUBLIC_CLASSES.get(type(cpp_module), CppModule)
    module = cls.__new__(cls)
    CppModule.__init__(module, cpp_module)
    return module


class _Children(Mapping):
    """``_modules`` of a CppModule: the C++ children, each wrapped once and kept while the
    C++ module holds the same child (replace_head() swaps one in C++)."""

    def __init__(self, cpp_module):
        self._cpp_module = cpp_module
        self._wrappers: Dict[str, CppModule] = {}

    def _wrapped(self, name: str, cpp_child) -> "CppModule":
        wrapper = self._wrappers.get(name)
        if wrapper is None or wrapper.cpp_module is not cpp_child:
            wrapper = self._wrappers[name] = wrap(cpp_child)
        return wrapper

    def __getitem__(self, name: str) -> "CppModule":
        children = self._cpp_module._modules
        if name not in children:
            raise KeyError(name)
        return self._wrapped(name, children[name])

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._cpp_module._modules.keys()))

    def __len__(self) -> int:
        return len(self._cpp_module._modules)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._cpp_module._modules

    def items(self):
        return [(name, self._wrapped(name, child))
                for name, child in self._cpp_module._modules.items()]

    def values(self):
        return [child for _, child in self.items()]

    def __setitem__(self, name, value):
        raise TypeError(f"cannot assign a Python module to '{name}' of a C++ medimg network; "
                        "use replace_head() for the classifier or build a new network")

    def __delitem__(self, name):
        raise TypeError(f"cannot remove '{name}' from a C++ medimg network")


class CppModule(ModuleWrapper):
    """A C++ ``torch::nn::Module`` as a ``torch.nn.Module`` whose children are modules too.

    Parameters and buffers are the C++ tensors themselves (no copy); public methods of the
    C++ object that ``torch.nn.Module`` does not define (``forward_features``,
    ``replace_head``, ...) are reached through attribute lookup. Forward hooks fire on the
    network itself but not on its children, which C++ calls directly: use
    ``forward_features`` to get intermediate outputs.
    """

    def __init__(self, cpp_module):
        if not hasattr(cpp_module, "_parameters"):
            raise _medimg.ArgumentError(f"CppModule: expected a C++ module of medimg._medimg.cpp, "
                                        f"got {type(cpp_module).__name__}")
        # Not ModuleWrapper.__init__: it copies every C++ method over torch.nn.Module's own
        # (parameters, to, train, named_modules, ...) and evaluates properties once.
        self.cpp_module = cpp_module  # before Module.__init__, which sets self.training
        torch.nn.Module.__init__(self)
        self._parameters = OrderedDictWrapper(cpp_module, "_parameters")
        self._buffers = OrderedDictWrapper(cpp_module, "_buffers")
        self._modules = _Children(cpp_module)

    @property  # type: ignore[override]
    def training(self) -> bool:
        return self.cpp_module.training

    @training.setter
    def training(self, mode: bool) -> None:
        # torch.nn.Module.__init__ sets training = True before it creates _modules: wrapping
        # an existing C++ module must not switch it (and, recursively, its children) to
        # training mode.
        if "_modules" in self.__dict__:
            self.cpp_module.train(mode)

    def forward(self, *args):
        forward = getattr(self.cpp_module, "forward", None)
        if forward is None:
            raise _medimg.Unsupported(
                f"{self.cpp_module.__repr__()} is a C++ layer without a Python forward; call "
                "the network, or use its forward_features() for intermediate outputs")
        return forward(*args)

    def __getattr__(self, name: str):
        try:
            return torch.nn.Module.__getattr__(self, name)
        except AttributeError:
            cpp_module = self.__dict__.get("cpp_module")
            if cpp_module is None or name.startswith("_"):
                raise
            return getattr(cpp_module, name)

    def __dir__(self):
        names = set(super().__dir__())
        names.update(n for n in dir(self.cpp_module) if not n.startswith("_"))
        return sorted(names)

    def __repr__(self) -> str:
        return _medimg._module_repr(self.cpp_module)

    def __deepcopy__(self, memo):
        # clone() deep-copies parameters and buffers in C++ and rebuilds the module.
        clone = wrap(self.cpp_module.clone())
        clone.__class__ = type(self)
        memo[id(self)] = clone
        return clone

    def __copy__(self):
        # A second wrapper around the same C++ module: parameters are shared, as copy.copy
        # of a torch.nn.Module shares them.
        shallow = wrap(self.cpp_module)
        shallow.__class__ = type(self)
        return shallow

    def __reduce_ex__(self, protocol):
        raise TypeError(f"{type(self).__name__} is a C++ network and cannot be pickled; save "
                        "its state_dict(), or use medimg.nn.save(module, path)")

