# SPDX-License-Identifier: EUPL-1.2
"""The sandbox every piece of Python found in a diagram runs in.

SpiffWorkflow's stock script engine is plain ``eval``/``exec``, so a diagram could
``__import__("os")``. Diagrams are not trusted. This module holds the three layers;
:mod:`engine.scripting` plugs them into SpiffWorkflow.

1. **Static check** (:func:`check_code`, also run at deploy time) refuses imports, any
   name or attribute starting with ``_`` (dunders are the way out of every Python
   sandbox), denied names, frame/generator internals, ``global``, ``nonlocal``,
   ``yield``, ``await``, ``async``, ``class``, ``with``, ``except*``, bare ``except:``
   and ``.format`` on anything but a checked literal. ``def`` and ``lambda`` are
   allowed: scripts define small helpers, a function's dangerous attributes are all
   dunders, and helpers are dropped from task data afterwards, as in SpiffWorkflow.
2. **Restricted builtins**: globals are the task data plus ``__builtins__`` = the
   whitelist :data:`SAFE_BUILTINS`. No module is exposed, and nothing shared can be
   modified (that would be a channel between instances).
3. **Limits, by instrumenting the checked tree**: a deadline check at the top of every
   loop, function and lambda body and in every comprehension, and in ``map``,
   ``filter``, ``zip``, ``enumerate`` and ``iter``; ``*``, ``**``, ``<<``, ``range``
   and ``Decimal`` refuse results beyond :data:`MAX_INT_BITS`, :data:`MAX_ITEMS` and
   :data:`MAX_DECIMAL_EXPONENT`, so no single C-level call runs for long.

:class:`RestrictedEnvironment` applies all three to every evaluation and execution.

Not ``sys.settrace``: on Python 3.11 a one-line ``while True: pass`` emits no line
events (only opcode events, 4-15x costlier, see it), and once a trace function raises,
CPython unsets tracing for the thread, so a loop in a ``finally:`` then runs for ever.
An inserted check raises again on every pass, works in any thread, costs one call per
iteration and leaves debuggers and coverage alone.

Not covered: **memory** (``s = s + s`` doubles a string each pass; ``" ".ljust(n)``) —
run workers under an address-space or cgroup limit and Celery's
``worker_max_memory_per_child``; up to a fraction of a second past the deadline inside
one C call (sorting a million items); functions passed as ``functions=`` (trusted, not
interrupted); connector calls (connectors enforce their own timeouts).
"""

from __future__ import annotations

import ast
import decimal
import functools
import math
import string
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from types import CodeType, MappingProxyType, TracebackType
from typing import Any, Literal

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

Mode = Literal["exec", "eval"]

MAX_SOURCE_CHARS = 20_000
"""Longest script or expression accepted, in characters."""

MAX_ITEMS = 1_000_000
"""Largest ``range``, and largest str/bytes/list/tuple that ``*`` may repeat into."""

MAX_INT_BITS = 100_000
"""Largest integer (about 30,000 digits) that ``*``, ``**`` and ``<<`` may produce."""

MAX_DECIMAL_EXPONENT = 10_000
"""Largest exponent, either sign, of a ``Decimal`` built or computed by a script."""

DEFAULT_TIME_LIMIT = 1.0
"""Seconds one evaluation or script execution may take."""

# SpiffWorkflow's error reporting looks for frames from the file '<string>' to find the
# failing line of a script, so compiled code keeps that name.
_FILENAME = "<string>"

# Reserved names the instrumentation calls. User code can never spell them (leading
# underscore), so it can neither call nor rebind them.
_TICK = "__pkip_tick__"
_MUL = "__pkip_mul__"
_POW = "__pkip_pow__"
_LSHIFT = "__pkip_lshift__"
_AUG_ITEM = "__pkip_aug_item__"
_RESERVED = (_TICK, _MUL, _POW, _LSHIFT, _AUG_ITEM)


class ScriptRejected(ValueError):
    """Diagram code uses a construct the sandbox refuses (found before it runs)."""


class ScriptSyntaxError(SyntaxError, ScriptRejected):
    """Diagram code does not parse.

    Also a ``SyntaxError`` because SpiffWorkflow's DMN engine relies on one from
    ``validate`` to tell ``> 5`` (needs an input on the left) from ``5``.
    """


class ScriptTimeout(RuntimeError):
    """A script or expression ran past its time limit and was stopped."""


class ScriptLimitExceeded(OverflowError):
    """An operation would build a number or sequence larger than the sandbox allows."""


class _TimeUp(BaseException):
    # A BaseException so that `except Exception:` in a script cannot swallow it (bare
    # `except:` is refused statically); converted to ScriptTimeout at the boundary.
    pass


# ---------------------------------------------------------------- static check

DENIED_NAMES = frozenset(
    {
        "eval", "exec", "compile", "open", "input", "breakpoint", "globals", "locals",
        "vars", "dir", "getattr", "setattr", "delattr", "hasattr", "help", "exit",
        "quit", "memoryview", "type", "object", "super", "classmethod",
        "staticmethod", "property", "__import__", "__builtins__", "BaseException",
        "SystemExit", "KeyboardInterrupt", "GeneratorExit",
    }
)  # fmt: skip
"""Names refused anywhere, even though none of them is in :data:`SAFE_BUILTINS`.

Defence in depth: if someone widens the builtins later, these still stay out. The cost:
task data keys with these names (``type``, ``input`` ...) cannot be read by scripts.
"""

# Attributes without an underscore that still lead to frames, and from a frame's
# globals to modules; plus `mro`, the non-dunder way to `object`.
DENIED_ATTRIBUTES = frozenset(
    {
        "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await",
        "ag_frame", "ag_code", "ag_await", "f_back", "f_globals", "f_locals",
        "f_builtins", "f_code", "f_trace", "tb_frame", "tb_next", "mro", "format_map",
    }
)  # fmt: skip

_REFUSED_NODES: dict[type[ast.AST], str] = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Global: "'global'",
    ast.Nonlocal: "'nonlocal'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield from'",
    ast.Await: "'await'",
    ast.AsyncFunctionDef: "'async def'",
    ast.AsyncFor: "'async for'",
    ast.AsyncWith: "'async with'",
    ast.ClassDef: "a class definition",
    ast.With: "a 'with' statement",
    ast.TryStar: "'except*'",
}

_GUARDED_OPS: dict[type[ast.operator], str] = {
    ast.Mult: _MUL,
    ast.Pow: _POW,
    ast.LShift: _LSHIFT,
}


def _refuse(what: str, node: ast.AST) -> ScriptRejected:
    line = getattr(node, "lineno", None)
    where = f" (line {line})" if line is not None else ""
    return ScriptRejected(f"{what} is not allowed{where}")


def _check_identifier(name: str | None, node: ast.AST, *, deny: bool = True) -> None:
    if name is None or name == "_":  # `_` is the usual throwaway variable
        return
    if name.startswith("_"):
        raise _refuse(f"the name '{name}' (names starting with '_')", node)
    if deny and name in DENIED_NAMES:
        raise _refuse(f"the name '{name}'", node)


def _check_format_template(template: str, node: ast.AST) -> None:
    # str.format resolves `{0.attr}` with getattr, behind the static check's back, so
    # only literal templates without attribute access in a field may be formatted.
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as err:
        raise _refuse(f"an invalid format string ({err})", node) from None
    for _text, field, spec, _conversion in parts:
        if field is not None and "." in field:
            raise _refuse(f"attribute access in the format field '{{{field}}}'", node)
        if spec:
            _check_format_template(spec, node)


def _check_attribute(node: ast.Attribute) -> None:
    name = node.attr
    if name.startswith("_"):
        raise _refuse(f"the attribute '{name}' (names starting with '_')", node)
    if name in DENIED_ATTRIBUTES:
        raise _refuse(f"the attribute '{name}'", node)
    if name == "format":
        if not (
            isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        ):
            raise _refuse(
                ".format on anything but a string literal (use an f-string)", node
            )
        _check_format_template(node.value.value, node)


def _check_node(node: ast.AST) -> None:
    what = _REFUSED_NODES.get(type(node))
    if what is not None:
        raise _refuse(what, node)
    if isinstance(node, ast.Name):
        _check_identifier(node.id, node)
    elif isinstance(node, ast.Attribute):
        _check_attribute(node)
    elif isinstance(node, ast.ExceptHandler):
        if node.type is None:
            raise _refuse("a bare 'except:' (name the exception classes)", node)
        _check_identifier(node.name, node)
    elif isinstance(node, ast.FunctionDef):
        _check_identifier(node.name, node)
    elif isinstance(node, ast.arg):
        _check_identifier(node.arg, node)
    elif isinstance(node, ast.keyword):  # `dict(type=...)` looks nothing up
        _check_identifier(node.arg, node, deny=False)
    elif isinstance(node, ast.MatchAs | ast.MatchStar):
        _check_identifier(node.name, node)
    elif isinstance(node, ast.MatchMapping):
        _check_identifier(node.rest, node)
    elif isinstance(node, ast.MatchClass):
        for attr in node.kwd_attrs:
            _check_identifier(attr, node)
    elif isinstance(node, ast.AugAssign) and type(node.op) in _GUARDED_OPS:
        # The guards rewrite `x op= v` and `d[k] op= v`; other targets have no rewrite.
        target = node.target
        if not isinstance(target, ast.Name) and not (
            isinstance(target, ast.Subscript)
            and not isinstance(target.slice, ast.Slice)
        ):
            raise _refuse("augmented '*=', '**=' or '<<=' on this target", node)


def _position(node: ast.AST) -> tuple[int, int, int, int]:
    return (
        getattr(node, "lineno", 0),
        getattr(node, "col_offset", 0),
        getattr(node, "end_lineno", None) or 0,
        getattr(node, "end_col_offset", None) or 0,
    )


def _parse_checked(source: str, mode: Mode) -> ast.AST:
    if not isinstance(source, str):
        raise ScriptRejected(f"code must be a string, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptRejected(
            f"code is {len(source)} characters long; the limit is {MAX_SOURCE_CHARS}"
        )
    try:
        tree = ast.parse(source, filename=_FILENAME, mode=mode)
    except SyntaxError as err:
        raise ScriptSyntaxError(
            f"invalid syntax: {err.msg} (line {err.lineno})",
            (_FILENAME, err.lineno, err.offset, err.text),
        ) from None
    except (RecursionError, MemoryError):
        raise ScriptRejected("code is nested too deeply") from None
    except ValueError as err:  # e.g. a NUL character in the source
        raise ScriptRejected(f"code cannot be parsed: {err}") from None
    # ast.walk is iterative (deep trees cannot exhaust the stack); sorting by position
    # reports the first offending construct in reading order, innermost first.
    for node in sorted(ast.walk(tree), key=_position):
        _check_node(node)
    return tree


@functools.lru_cache(maxsize=4096)
def check_code(source: str, mode: Mode = "exec") -> None:
    """Refuse ``source`` unless the sandbox allows every construct in it.

    ``mode`` is ``"exec"`` for scripts and ``"eval"`` for expressions (conditions,
    parameters, DMN cells, timers). Raises :class:`ScriptSyntaxError` when the code does
    not parse and :class:`ScriptRejected` naming the construct and its line otherwise.
    Successful checks are cached by source, as the same expressions run constantly.
    """
    _parse_checked(source, mode)


# ---------------------------------------------------------------- instrumentation


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(
        func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[]
    )


class _Instrumenter(ast.NodeTransformer):
    """Adds the deadline checks and arithmetic guards to an already checked tree."""

    def _tick_first(self, node: ast.While | ast.For | ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, ast.copy_location(ast.Expr(_call(_TICK)), node))
        return node

    visit_While = visit_For = visit_FunctionDef = _tick_first

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.generic_visit(node)
        # The tick returns True, so `tick() and body` evaluates to the body.
        node.body = ast.BoolOp(op=ast.And(), values=[_call(_TICK), node.body])
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.ifs.insert(0, _call(_TICK))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        guard = _GUARDED_OPS.get(type(node.op))
        if guard is None:
            return node
        return ast.copy_location(_call(guard, node.left, node.right), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        guard = _GUARDED_OPS.get(type(node.op))
        target = node.target
        if guard is None:
            return node
        if isinstance(target, ast.Name):
            current = ast.Name(id=target.id, ctx=ast.Load())
            value = _call(guard, current, node.value)
            new: ast.stmt = ast.Assign(targets=[target], value=value)
        else:  # a Subscript; _check_node refused every other target
            assert isinstance(target, ast.Subscript)
            op = ast.Constant(value=guard)
            args = (target.value, target.slice, op, node.value)
            new = ast.Expr(_call(_AUG_ITEM, *args))
        return ast.copy_location(new, node)


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: Mode) -> CodeType:
    # Code objects are immutable, so one compilation serves every thread and instance.
    tree = _Instrumenter().visit(_parse_checked(source, mode))
    ast.fix_missing_locations(tree)
    try:
        # dont_inherit: this module's `from __future__` flags are not the script's.
        code: CodeType = compile(tree, _FILENAME, mode, dont_inherit=True)
    except (RecursionError, MemoryError):
        raise ScriptRejected("code is nested too deeply") from None
    return code


# ---------------------------------------------------------------- runtime guards

_Sequence = (str, bytes, list, tuple)


def _too_big(what: str) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"{what} would exceed the sandbox's size limit")


def _guarded_mul(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _too_big("the product")
    else:
        seq, times = (left, right) if isinstance(left, _Sequence) else (right, left)
        if (
            isinstance(seq, _Sequence)
            and isinstance(times, int)
            and len(seq) * times > MAX_ITEMS
        ):
            raise _too_big("the repetition")
    return left * right


def _guarded_pow(base: Any, exponent: Any) -> Any:
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and abs(base) > 1
        and exponent > 0
        and (base.bit_length() - 1) * exponent > MAX_INT_BITS
    ):
        raise _too_big("the power")
    return base**exponent


def _guarded_lshift(value: Any, shift: Any) -> Any:
    if (
        isinstance(value, int)
        and isinstance(shift, int)
        and shift > 0
        and value.bit_length() + shift > MAX_INT_BITS
    ):
        raise _too_big("the shift")
    return value << shift


_GUARDS: dict[str, Callable[[Any, Any], Any]] = {
    _MUL: _guarded_mul,
    _POW: _guarded_pow,
    _LSHIFT: _guarded_lshift,
}


def _aug_item(container: Any, key: Any, guard: str, value: Any) -> None:
    container[key] = _GUARDS[guard](container[key], value)


class _LimitedRange:
    """``range`` that refuses more than MAX_ITEMS items (``sum`` of one runs in C).

    An instance without ``__dict__``, not a function: everything in the builtins is
    shared by all instances in the process, and a settable attribute
    (``range.note = data``) would be a channel from one municipality's instance to
    another's.
    """

    __slots__ = ()

    def __call__(self, *args: int) -> range:
        result = range(*args)
        try:
            size = len(result)
        except OverflowError:
            size = MAX_ITEMS + 1
        if size > MAX_ITEMS:
            raise _too_big("the range")
        return result


class _DecimalType(type):
    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, Decimal)

    # A Python class is mutable; shared by every instance in the process, it must not
    # be (`Decimal.from_float = abs` would change other diagrams' results).
    def __setattr__(cls, name: str, value: object) -> None:
        raise TypeError("Decimal cannot be modified")

    def __delattr__(cls, name: str) -> None:
        raise TypeError("Decimal cannot be modified")


class _SandboxDecimal(Decimal, metaclass=_DecimalType):
    """``Decimal`` for scripts: refuses huge exponents, returns a plain ``Decimal``.

    ``int(Decimal("1e1000000"))`` runs for half a minute inside one C call, beyond
    the reach of the deadline checks. Arithmetic is bounded by the context that
    ``_run`` installs; construction ignores the context, hence this check. The
    metaclass keeps ``isinstance(x, Decimal)`` true for every ``Decimal``.
    """

    def __new__(cls, value: Any = "0", context: Any = None) -> Decimal:  # type: ignore[misc]
        result = Decimal(value, context)
        if result.is_finite():
            exponent = result.as_tuple().exponent
            assert isinstance(exponent, int)  # finite numbers have an int exponent
            if max(abs(result.adjusted()), abs(exponent)) > MAX_DECIMAL_EXPONENT:
                raise _too_big("the decimal number")
        return result


_DECIMAL_CONTEXT = decimal.Context(
    Emax=MAX_DECIMAL_EXPONENT, Emin=-MAX_DECIMAL_EXPONENT
)


def _make_tick(time_limit: float) -> Callable[[], bool]:
    deadline = time.monotonic() + time_limit

    def tick() -> bool:
        if time.monotonic() > deadline:
            raise _TimeUp
        return True

    return tick


def _ticking_iterators(tick: Callable[[], bool]) -> dict[str, Callable[..., Any]]:
    """``map``, ``filter``, ``zip``, ``enumerate``, ``iter`` that check the deadline.

    The built-in ones iterate in C, out of sight of the inserted checks, so
    ``any(map(l.append, l))`` or ``l.extend(zip(l))`` would spin inside one call for
    ever; and ``iter(f, sentinel)`` never ends. These yield from Python instead.
    """

    def map_(function: Any, iterable: Any, /, *iterables: Any) -> Iterator[Any]:
        # strict=False: map stops at the shortest iterable.
        for args in zip(iterable, *iterables, strict=False):
            tick()
            yield function(*args)

    def filter_(function: Any, iterable: Any, /) -> Iterator[Any]:
        for item in iterable:
            tick()
            if item if function is None else function(item):
                yield item

    def zip_(*iterables: Any, strict: bool = False) -> Iterator[tuple[Any, ...]]:
        for item in zip(*iterables, strict=strict):
            tick()
            yield item

    def enumerate_(iterable: Any, start: int = 0) -> Iterator[tuple[int, Any]]:
        for item in enumerate(iterable, start):
            tick()
            yield item

    def iter_(iterable: Any, /) -> Iterator[Any]:  # no iter(callable, sentinel)
        for item in iterable:
            tick()
            yield item

    return {
        "map": map_,
        "filter": filter_,
        "zip": zip_,
        "enumerate": enumerate_,
        "iter": iter_,
    }


# ---------------------------------------------------------------- builtins

_SAFE_FUNCTIONS: tuple[Any, ...] = (
    abs, all, any, bool, chr, dict, divmod, float, format, frozenset, int,
    isinstance, len, list, max, min, next, ord, repr, reversed, round, set, sorted,
    str, sum, tuple,
)  # fmt: skip
_SAFE_EXCEPTIONS: tuple[type[Exception], ...] = (
    Exception, ArithmeticError, AssertionError, AttributeError, IndexError, KeyError,
    LookupError, NameError, OverflowError, RuntimeError, StopIteration, TypeError,
    ValueError, ZeroDivisionError,
)  # fmt: skip

SAFE_BUILTINS: Mapping[str, Any] = MappingProxyType(
    {
        **{f.__name__: f for f in _SAFE_FUNCTIONS + _SAFE_EXCEPTIONS},
        "range": _LimitedRange(),
        # Dates and money: classes only (their non-underscore attributes lead nowhere);
        # never a module, whose attributes include other modules.
        "datetime": datetime,
        "date": date,
        "timedelta": timedelta,
        "timezone": timezone,
        "Decimal": _SandboxDecimal,
        "ROUND_HALF_UP": ROUND_HALF_UP,
        "floor": math.floor,
        "ceil": math.ceil,
        _MUL: _guarded_mul,
        _POW: _guarded_pow,
        _LSHIFT: _guarded_lshift,
        _AUG_ITEM: _aug_item,
    }
)
"""What a script can name besides task data (``True``/``False``/``None`` are keywords).

``range`` is limited to :data:`MAX_ITEMS` items; each run adds deadline-checking
``map``, ``filter``, ``zip``, ``enumerate`` and one-argument ``iter``."""


# ---------------------------------------------------------------- the environment


def _failing_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class RestrictedEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """Task-data environment that checks, instruments and time-limits all code.

    SpiffWorkflow calls the environment directly in a few places (completion conditions
    of ad-hoc subprocesses, message correlation expressions), so the restrictions live
    here rather than only in the script engine's methods.
    """

    def __init__(
        self,
        time_limit: float = DEFAULT_TIME_LIMIT,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        super().__init__({})
        if not time_limit > 0:
            raise ValueError("time_limit must be a positive number of seconds")
        for name in functions or {}:
            if not name.isidentifier() or name.startswith("_") or name in DENIED_NAMES:
                raise ValueError(f"cannot expose a function named {name!r} to scripts")
        self.time_limit = time_limit
        self._builtins = {**SAFE_BUILTINS, **(functions or {})}

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Evaluate an expression over a copy of ``context`` and return its value."""
        code = _compile(expression, "eval")
        scope = {**(external_context or {}), **context}
        return self._run(code, scope)

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        """Run a script whose top-level assignments become task data (as in Spiff)."""
        code = _compile(script, "exec")
        external = dict(external_context or {})
        self.check_for_overwrite(context, external)
        context.update(external)
        try:
            self._run(code, context)
        finally:
            # Drops __builtins__, functions the script defined and the external names;
            # `x: int = 1` leaves an __annotations__ dict, which is no task data either.
            self._remove_globals_and_functions_from_context(context, external)
            context.pop("__annotations__", None)
        return True

    def _run(self, code: CodeType, scope: dict[str, Any]) -> Any:
        for name in _RESERVED:  # task data must not shadow the instrumentation
            scope.pop(name, None)
        tick = _make_tick(self.time_limit)
        builtins = {**self._builtins, **_ticking_iterators(tick), _TICK: tick}
        scope["__builtins__"] = builtins
        try:
            with decimal.localcontext(_DECIMAL_CONTEXT):
                # The code passed _parse_checked and sees whitelisted builtins only.
                return eval(code, scope)  # noqa: S307
        except _TimeUp as stop:
            line = _failing_line(stop.__traceback__)
            where = f" (stopped at line {line})" if line is not None else ""
            raise ScriptTimeout(
                f"code ran longer than its limit of {self.time_limit:g} s{where}"
            ) from None
