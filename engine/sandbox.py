# SPDX-License-Identifier: EUPL-1.2
"""The sandbox every piece of Python found in a diagram runs in.

SpiffWorkflow's stock script engine is plain ``eval``/``exec``, so a diagram could
``__import__("os")``. Diagrams are not trusted. This module and the two beside it
hold the three layers; :mod:`engine.scripting` plugs them into SpiffWorkflow.

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
   :data:`MAX_DECIMAL_EXPONENT`, so no single C-level call runs for long. **Memory**:
   ``+``, ``*``, ``%``, f-strings, slice assignments and the methods that can build
   much more than they are given (``ljust``, ``join``, ``replace``, ``format`` …) are
   sized first and charged to the run's meter, which also watches the process's
   resident size (:mod:`engine.sandbox_guards`, :mod:`engine.sandbox_memory`); what
   a script leaves in task data, or an expression returns, is sized as it would be
   written out.

:class:`RestrictedEnvironment` applies all three to every evaluation and execution.

Where each part lives: the static check, the reserved names and the parse errors in
:mod:`engine.sandbox_check`; the builtins and the deadline check in
:mod:`engine.sandbox_builtins`; the sizing guards in :mod:`engine.sandbox_guards`; the
memory meter in :mod:`engine.sandbox_memory`; the instrumentation, the compiled-code
cache and the environment here. Every public name of the three is re-exported here;
other code imports from this module.

Not ``sys.settrace``: on Python 3.11 a one-line ``while True: pass`` emits no line
events (only opcode events, 4-15x costlier, see it), and once a trace function raises,
CPython unsets tracing for the thread, so a loop in a ``finally:`` then runs for ever.
An inserted check raises again on every pass, works in any thread, costs one call per
iteration and leaves debuggers and coverage alone.

Not covered: up to a fraction of a second past the deadline inside one C call (sorting
a million items); functions passed as ``functions=`` (trusted, neither interrupted nor
metered); connector calls (connectors enforce their own timeouts). The memory limit
is per run and approximate: another thread's growth during a long run counts against
it, and a run may end up to about a quarter of the limit past it before a
measurement sees it (docs/engine.md, "Scripts").
"""

from __future__ import annotations

import ast
import decimal
import functools
from collections.abc import Callable, Mapping
from types import CodeType, TracebackType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from engine.sandbox_builtins import (
    _DECIMAL_CONTEXT,
    MAX_DECIMAL_EXPONENT,
    MAX_INT_BITS,
    MAX_ITEMS,
    SAFE_BUILTINS,
    ScriptLimitExceeded,
    ScriptMemoryExceeded,
    _make_tick,
    _ticking_iterators,
    _TimeUp,
)
from engine.sandbox_check import (
    _ATTR,
    _AUG_ITEM,
    _FIELD,
    _FILENAME,
    _FSTRING,
    _GUARDED_OPS,
    _RESERVED,
    _SIZED,
    _TICK,
    DENIED_ATTRIBUTES,
    DENIED_NAMES,
    MAX_SOURCE_CHARS,
    Mode,
    ScriptRejected,
    ScriptSyntaxError,
    _parse_checked,
    check_code,
)
from engine.sandbox_memory import (
    DEFAULT_MEMORY_LIMIT,
    MB,
    Meter,
    _OutOfMemory,
    reset_meter,
    text_size,
    use_meter,
)
from engine.sandbox_methods import GUARDED_METHODS

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_TIME_LIMIT",
    "DENIED_ATTRIBUTES",
    "DENIED_NAMES",
    "MAX_DECIMAL_EXPONENT",
    "MAX_INT_BITS",
    "MAX_ITEMS",
    "MAX_SOURCE_CHARS",
    "SAFE_BUILTINS",
    "Mode",
    "RestrictedEnvironment",
    "ScriptLimitExceeded",
    "ScriptMemoryExceeded",
    "ScriptRejected",
    "ScriptSyntaxError",
    "ScriptTimeout",
    "check_code",
]

DEFAULT_TIME_LIMIT = 1.0
"""Seconds one evaluation or script execution may take."""


class ScriptTimeout(RuntimeError):
    """A script or expression ran past its time limit and was stopped."""


# ---------------------------------------------------------------- instrumentation


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(
        func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[]
    )


def _bounded(op: ast.operator, left: ast.expr, right: ast.expr) -> bool:
    """Whether ``left op right`` cannot build much more than its inputs hold.

    ``x + 1``, ``s + 'literal'``: a literal adds at most its own size (the source is
    limited), so these keep Python's own speed (and ``s += 'x'`` its in-place
    concatenation); the resident-size measurements cover loops of them. Not ``%``:
    ``template % 1.0`` can be ``'%.1000000000f' % 1.0``.
    """
    literals = [
        side.value
        for side in (left, right)
        if isinstance(side, ast.Constant) and not isinstance(side.value, bool)
    ]
    if isinstance(op, ast.Add):
        return bool(literals)
    if isinstance(op, ast.Mult):
        return any(isinstance(value, float) for value in literals)
    return False


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
        guards = _GUARDED_OPS.get(type(node.op))
        if guards is None or _bounded(node.op, node.left, node.right):
            return node
        return ast.copy_location(_call(guards[0], node.left, node.right), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load) or node.attr not in GUARDED_METHODS:
            return node
        # s.ljust(n), str.ljust(s, n), f = s.ljust: the method comes back sized.
        guarded = _call(_ATTR, node.value, ast.Constant(value=node.attr))
        return ast.copy_location(guarded, node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        # f'{a:>{w}}|{b!r}' becomes __pkip_fstring__((field(a, -1, fstring((field(w,
        # -1, ''),))), '|', field(b, 114, ''))): every field sized before it is
        # built, and the pieces' total before they are joined.
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                spec = (
                    self.visit(value.format_spec)
                    if value.format_spec is not None
                    else ast.Constant(value="")
                )
                inner = self.visit(value.value)
                conversion = ast.Constant(value=value.conversion)
                parts.append(_call(_FIELD, inner, conversion, spec))
            else:
                parts.append(value)
        pieces = ast.Tuple(elts=parts, ctx=ast.Load())
        return ast.copy_location(_call(_FSTRING, pieces), node)

    def visit_Starred(self, node: ast.Starred) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):  # [*l, *l, …] and f(*l, *l, …) copy l
            node.value = _call(_SIZED, node.value)
        return node

    def visit_MatchValue(self, node: ast.MatchValue) -> ast.AST:
        return node  # `case a.b:` must stay a dotted name; it calls nothing

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        self.generic_visit(node)
        if any(
            isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Slice)
            for t in node.targets
        ):
            node.value = _call(_SIZED, node.value)  # l[:0] = l doubles l
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        guards = _GUARDED_OPS.get(type(node.op))
        target = node.target
        if guards is None or _bounded(node.op, target, node.value):
            return node
        guard = guards[1]  # in place: `a += x` extends the list that b also names
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


@functools.lru_cache(maxsize=4096)
def _names(code: CodeType) -> frozenset[str]:
    """Every name the code (and the functions in it) can look up or bind.

    Task data is reachable from a script only by name (``globals()`` is refused),
    so after a run only the values under these names can have changed.
    """
    names: set[str] = set()
    pending = [code]
    while pending:
        current = pending.pop()
        names.update(current.co_names)
        pending.extend(c for c in current.co_consts if isinstance(c, CodeType))
    return frozenset(names)


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
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        super().__init__({})
        if not time_limit > 0:
            raise ValueError("time_limit must be a positive number of seconds")
        if not memory_limit > 0:
            raise ValueError("memory_limit must be a positive number of bytes")
        for name in functions or {}:
            if not name.isidentifier() or name.startswith("_") or name in DENIED_NAMES:
                raise ValueError(f"cannot expose a function named {name!r} to scripts")
        self.time_limit = time_limit
        self.memory_limit = memory_limit
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
        result = self._run(code, scope)
        self._check_stored_size(result, "the value")
        return result

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
        before = dict(context)  # shallow, to take back what a breach left behind
        context.update(external)
        try:
            self._run(code, context)
            breach = None
        except ScriptMemoryExceeded as err:
            breach = err
        finally:
            # Drops __builtins__, functions the script defined and the external names;
            # `x: int = 1` leaves an __annotations__ dict, which is no task data either.
            self._remove_globals_and_functions_from_context(context, external)
            context.pop("__annotations__", None)
        reachable = _names(code)
        try:
            if breach is not None:
                raise breach
            changed = {k: v for k, v in context.items() if k in reachable}
            self._check_stored_size(changed, "the task data")
        except ScriptMemoryExceeded as err:
            raise self._take_back(context, before, reachable, err) from None
        return True

    def _take_back(
        self,
        context: dict[str, Any],
        before: dict[str, Any],
        reachable: frozenset[str],
        breach: ScriptMemoryExceeded,
    ) -> ScriptMemoryExceeded:
        """Put the task data back as it was before a breach; return the error.

        The failed task keeps its data and the instance is stored with it: it must
        not be the bomb. A value changed in place cannot be taken back and is
        removed if it is too large itself; the error says so.
        """
        context.clear()
        context.update(before)
        removed = [
            key
            for key in sorted(reachable & context.keys())
            if text_size(context[key], self.memory_limit) > self.memory_limit
        ]
        if not removed:
            return breach
        for key in removed:
            del context[key]
        names = ", ".join(f"'{key}'" for key in removed)
        reason = f"{breach.reason}; removed from the task data: {names}"
        return ScriptMemoryExceeded(self.memory_limit, reason)

    def _run(self, code: CodeType, scope: dict[str, Any]) -> Any:
        for name in _RESERVED:  # task data must not shadow the instrumentation
            scope.pop(name, None)
        meter = Meter(self.memory_limit)
        tick = _make_tick(self.time_limit, meter)
        builtins = {**self._builtins, **_ticking_iterators(tick), _TICK: tick}
        scope["__builtins__"] = builtins
        token = use_meter(meter)
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
        except _OutOfMemory as stop:
            raise self._breach(stop.reason, stop.__traceback__) from None
        except MemoryError as err:
            raise self._breach("Python ran out of memory", err.__traceback__) from None
        except Exception as err:
            _shorten_arguments(err, self.memory_limit)
            raise
        finally:
            reset_meter(token)

    def _breach(self, reason: str, tb: TracebackType | None) -> ScriptMemoryExceeded:
        line = _failing_line(tb)
        where = f" (line {line})" if line is not None else ""
        return ScriptMemoryExceeded(self.memory_limit, reason + where)

    def _check_stored_size(self, value: Any, what: str) -> None:
        # Task data is stored as JSON and results are passed on: a structure that
        # shares itself (a = [a, a] forty times) is small in memory and a terabyte
        # written out. Scalars, the common case, cost one call.
        if text_size(value, self.memory_limit) > self.memory_limit:
            limit = f"{self.memory_limit / MB:g} MB"
            raise ScriptMemoryExceeded(
                self.memory_limit, f"{what} would take more than {limit} written out"
            )


def _shorten_arguments(err: Exception, limit: int) -> None:
    """Keep an exception a script raised printable: its message is an incident's.

    ``raise ValueError(bomb)`` would otherwise explode when the engine writes the
    incident, outside the sandbox.
    """
    if err.args and text_size(err.args, 4096) > 4096:
        err.args = (f"{type(err).__name__} with an argument too large to show",)
