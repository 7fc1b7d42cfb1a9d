"""A plot's fingerprint: the same digest in every process exactly when the plot would draw the same.

Drawing is the slow part of a chart (about 0.4 s, against a few
milliseconds to build the plot), so :mod:`perception.outputs.drawings`
reuses the last drawing of an output whose plot has the same fingerprint.
The digest walks the plot's whole object graph before it is drawn: data
frames (column by column, by name: plotnine builds some frames from sets, so
their column order changes between processes), mappings, scales with their
palettes' closures, theme elements, labels, and every function it holds,
code included. Python's ``pickle`` cannot do this: plotnine's palettes are
local functions, and its bytes follow set and dict orders that vary with the
hash seed.

What the walk cannot see — the caller's namespace, where plotnine would
evaluate an expression such as ``aes(y="value * 100")`` — is refused
(:class:`Unfingerprintable`), and the plot is then simply drawn. Mappings of
plain column names, as every chart of this package uses, need no namespace.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import types
from typing import Any

import numpy as np
import pandas as pd

# Attributes of a ggplot filled when it is drawn.
NOT_PART_OF_THE_PLOT = frozenset({"_build_objs", "layout", "figure", "axs"})
# A plot is a few thousand objects; anything far larger has reached something that is not the plot.
MOST_OBJECTS = 1_000_000
SCALARS = (type(None), bool, int, float, complex, str, bytes)


class Unfingerprintable(TypeError):
    """The plot holds something whose effect on the drawing the walk cannot see; draw it instead."""


def fingerprint(plot: Any) -> str:
    """SHA-256 of ``plot``'s object graph, stable across processes and hash seeds."""
    return _Walk().digest(plot)


class _Walk:
    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        # id -> (order seen, object): holding the object keeps its id from being reused by a temporary.
        self.seen: dict[int, tuple[int, Any]] = {}
        self.count = 0

    def digest(self, plot: Any) -> str:
        self.visit(plot, "plot")
        return self.hash.hexdigest()

    def feed(self, tag: str, data: Any = b"") -> None:
        self.hash.update(tag.encode())
        self.hash.update(b"\0")
        self.hash.update(data if isinstance(data, bytes) else repr(data).encode())
        self.hash.update(b"\1")

    def visit(self, obj: Any, where: str) -> None:
        self.count += 1
        if self.count > MOST_OBJECTS:
            raise Unfingerprintable(f"{where}: more than {MOST_OBJECTS:,} objects")
        if isinstance(obj, SCALARS):
            self.feed(type(obj).__name__, obj)
            return
        if isinstance(obj, enum.Enum):
            self.feed("enum", f"{type(obj).__module__}.{type(obj).__qualname__}.{obj.name}")
            return
        if isinstance(obj, np.generic):
            self.feed(f"np.{obj.dtype}", obj.item())
            return
        if id(obj) in self.seen:
            self.feed("again", self.seen[id(obj)][0])
            return
        self.seen[id(obj)] = (len(self.seen), obj)
        self.visit_container(obj, where)

    def visit_container(self, obj: Any, where: str) -> None:
        if isinstance(obj, (list, tuple)):
            self.feed(type(obj).__name__, len(obj))
            for i, item in enumerate(obj):
                self.visit(item, f"{where}[{i}]")
        elif isinstance(obj, dict):
            self.visit_dict(obj, where)
        elif isinstance(obj, (set, frozenset)):
            self.feed("set", len(obj))
            for item in sorted(obj, key=repr):
                self.visit(item, where)
        elif isinstance(obj, np.ndarray):
            self.feed("ndarray", f"{obj.dtype}{obj.shape}")
            if obj.dtype == object:
                for item in obj.ravel():
                    self.visit(item, where)
            else:
                self.feed("bytes", np.ascontiguousarray(obj).tobytes())
        elif isinstance(obj, pd.DataFrame):
            self.feed("DataFrame", obj.shape)
            self.visit(obj.index, f"{where}.index")
            for column in sorted(obj.columns, key=repr):
                self.visit(column, where)
                self.visit(obj[column], f"{where}[{column!r}]")
        elif isinstance(obj, (pd.Series, pd.Index, pd.Categorical)):
            self.feed(type(obj).__name__, str(obj.dtype))
            if isinstance(obj.dtype, pd.CategoricalDtype):
                self.visit(list(obj.dtype.categories), where)
                self.visit(obj.dtype.ordered, where)
            self.visit(np.asarray(obj), where)
        elif isinstance(obj, types.FunctionType):
            self.visit_function(obj, where)
        elif isinstance(obj, functools.partial):
            self.feed("partial")
            self.visit((obj.func, obj.args, obj.keywords), where)
        elif isinstance(obj, (types.MethodType, types.BuiltinMethodType, types.BuiltinFunctionType)):
            self.feed("method", f"{getattr(obj, '__module__', None)}.{obj.__qualname__}")
            self.visit(getattr(obj, "__self__", None), where)
        elif isinstance(obj, type):
            self.feed("type", f"{obj.__module__}.{obj.__qualname__}")
        elif isinstance(obj, types.CodeType):
            self.feed("code", obj.co_code)
            self.visit((obj.co_consts, obj.co_names), where)
        elif type(obj).__name__ == "Environment" and type(obj).__module__.startswith("plotnine."):
            self.feed("caller's namespace")  # see the module docstring: only plain column names are mapped
        elif isinstance(obj, types.ModuleType):
            raise Unfingerprintable(f"{where}: module {obj.__name__}")
        elif hasattr(obj, "__dict__") or hasattr(type(obj), "__slots__"):
            self.visit_object(obj, where)
        else:
            raise Unfingerprintable(f"{where}: {type(obj).__module__}.{type(obj).__qualname__}")

    def visit_dict(self, obj: dict, where: str) -> None:
        kind = type(obj)
        self.feed("dict", f"{kind.__module__}.{kind.__qualname__}:{len(obj)}")
        if kind.__name__ == "aes":
            expressions = [value for value in obj.values() if not (isinstance(value, str) and value.isidentifier())]
            if expressions:
                raise Unfingerprintable(f"{where}: mapping {expressions[0]!r} is evaluated in the caller's namespace")
        items = list(obj.items())
        if all(isinstance(key, str) for key in obj):
            items.sort()  # plotnine fills some dicts from sets: their order varies between processes
        for key, value in items:
            self.visit(key, where)
            self.visit(value, f"{where}[{key!r}]")

    def visit_function(self, function: types.FunctionType, where: str) -> None:
        self.feed("function", f"{function.__module__}.{function.__qualname__}")
        self.visit((function.__code__, function.__defaults__, function.__kwdefaults__), where)
        for cell in function.__closure__ or ():
            self.visit(cell.cell_contents, f"{where}<{function.__qualname__}>")

    def visit_object(self, obj: Any, where: str) -> None:
        kind = type(obj)
        self.feed("object", f"{kind.__module__}.{kind.__qualname__}")
        state = dict(vars(obj)) if hasattr(obj, "__dict__") else {}
        for klass in kind.__mro__:
            for slot in getattr(klass, "__slots__", ()):
                if slot not in ("__dict__", "__weakref__") and hasattr(obj, slot):
                    state[slot] = getattr(obj, slot)
        skipped = NOT_PART_OF_THE_PLOT if kind.__name__ == "ggplot" else frozenset()
        for name in sorted(state):
            if name not in skipped:
                self.feed("attribute", name)
                self.visit(state[name], f"{where}.{name}")
