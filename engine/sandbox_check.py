# SPDX-License-Identifier: EUPL-1.2
"""The sandbox's static check: what diagram code may not contain, and why.

The first of the sandbox's three layers (see :mod:`engine.sandbox` for all three and
for why the sandbox exists). :func:`check_code` parses a script or expression and
refuses imports, names and attributes starting with ``_``, the :data:`DENIED_NAMES`
and :data:`DENIED_ATTRIBUTES`, the statements in ``_REFUSED_NODES``, bare
``except:``, ``.format`` on anything but a checked literal, and code longer than
:data:`MAX_SOURCE_CHARS`. It runs at deploy time as well as before every execution.

Also here, because the check and everything after it share them: the file name that
compiled code carries and the reserved names that the instrumentation
(:mod:`engine.sandbox`) calls and the builtins (:mod:`engine.sandbox_builtins`) bind.
Nothing here imports the other sandbox modules.
"""

from __future__ import annotations

import ast
import functools
import string
from typing import Literal

Mode = Literal["exec", "eval"]

MAX_SOURCE_CHARS = 20_000
"""Longest script or expression accepted, in characters."""

# SpiffWorkflow's error reporting looks for frames from the file '<string>' to find the
# failing line of a script, so compiled code keeps that name.
_FILENAME = "<string>"

# Reserved names the instrumentation calls. User code can never spell them (leading
# underscore), so it can neither call nor rebind them.
_TICK = "__pkip_tick__"
_ADD = "__pkip_add__"
_IADD = "__pkip_iadd__"
_MUL = "__pkip_mul__"
_IMUL = "__pkip_imul__"
_MOD = "__pkip_mod__"
_IMOD = "__pkip_imod__"
_POW = "__pkip_pow__"
_IPOW = "__pkip_ipow__"
_LSHIFT = "__pkip_lshift__"
_ILSHIFT = "__pkip_ilshift__"
_AUG_ITEM = "__pkip_aug_item__"
_ATTR = "__pkip_attr__"  # a sized method (engine.sandbox_guards.GUARDED_METHODS)
_FIELD = "__pkip_field__"  # one field of an f-string
_FSTRING = "__pkip_fstring__"  # an f-string's pieces joined
_SIZED = "__pkip_sized__"  # the value of a slice assignment
_RESERVED = (
    _TICK, _ADD, _IADD, _MUL, _IMUL, _MOD, _IMOD, _POW, _IPOW, _LSHIFT, _ILSHIFT,
    _AUG_ITEM, _ATTR, _FIELD, _FSTRING, _SIZED,
)  # fmt: skip


class ScriptRejected(ValueError):
    """Diagram code uses a construct the sandbox refuses (found before it runs)."""


class ScriptSyntaxError(SyntaxError, ScriptRejected):
    """Diagram code does not parse.

    Also a ``SyntaxError`` because SpiffWorkflow's DMN engine relies on one from
    ``validate`` to tell ``> 5`` (needs an input on the left) from ``5``.
    """


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

_GUARDED_OPS: dict[type[ast.operator], tuple[str, str]] = {
    ast.Add: (_ADD, _IADD),
    ast.Mult: (_MUL, _IMUL),
    ast.Mod: (_MOD, _IMOD),
    ast.Pow: (_POW, _IPOW),
    ast.LShift: (_LSHIFT, _ILSHIFT),
}
"""Operators the instrumentation replaces by guards: (binary, in-place) names."""


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
            raise _refuse(
                "augmented '+=', '*=', '%=', '**=' or '<<=' on this target", node
            )


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
