# SPDX-License-Identifier: EUPL-1.2
"""Scripts and expressions run within a memory limit (issue 10, item 3).

Each hostile allocation must be refused quickly and before it happens: the tests
measure the process's peak resident size around every probe (``VmHWM``, reset through
``/proc/self/clear_refs``), which would jump by gigabytes had any of them run.
"""

from __future__ import annotations

import dataclasses
import resource
import time
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from sqlalchemy.orm import Session

from engine import sandbox_memory
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from engine.sandbox import RestrictedEnvironment, ScriptMemoryExceeded
from engine.sandbox_memory import MB, text_size
from engine.scripting import RestrictedScriptEngine
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.engine import bpmn_snippets as b
from tests.engine import test_scripting as spiff

LIMIT = 32 * MB

PROBES = [
    # the three from the issue
    "x = 'x'.ljust(10**9)",
    "x = format(1, '1000000000')",
    "s = 'x'\nwhile True:\n    s = s + s",
    # more of the same kind
    "s = 'x'\nwhile True:\n    s += s",
    "s = 'ā'\nwhile True:\n    s = s + s",
    "x = '{:>1000000000}'.format(1)",
    "x = f'{1:>1000000000}'",
    "w = 10**9\nx = f'{1:>{w}}'",
    "x = '%*d' % (10**9, 1)",
    "x = '%.1000000000f' % 1.0",
    "x = 'x'.zfill(10**9)",
    "x = str.center('ab', 10**9)",
    "x = ('\\t' * 1000).expandtabs(10**6)",
    "x = ('x' * 10**6).replace('x', 'y' * 1000)",
    "x = ('x' * 10**5).replace('', 'y' * 10**4)",
    "s = 'x' * 10**6\nx = s.join([s] * 1000)",
    "s = 'x' * 10**6\nx = ''.join(s for _ in range(1000))",
    "l = [0]\nwhile True:\n    l.extend(l)",
    "l = [0]\nwhile True:\n    l += l",
    "l = [0]\nwhile True:\n    l[:0] = l",
    "x = (1).to_bytes(10**9, 'big')",
    "l = list(range(10**6))\nx = [" + "*l, " * 500 + "]",
    "l = list(range(10**6))\nx = max(" + "*l, " * 500 + ")",
    "a = [0]\nfor _ in range(40):\n    a = [a, a]\nx = str(a)",
    "a = [0]\nfor _ in range(40):\n    a = [a, a]\nx = f'{a!r}'",
    "a = [0]\nfor _ in range(40):\n    a = [a, a]",  # tiny, but a terabyte stored
    "keep = []\nwhile True:\n    keep.append('x' * 10**6)",
    "keep = []\nwhile True:\n    keep.append(list(range(10**5)))",
    "keep = []\nwhile True:\n    keep.append({i: -i for i in range(1000)})",
    "s = 'x' * 10000\nkeep = []\nwhile True:\n    keep.append(list(s))",  # uncharged
    "x = dict.fromkeys(range(10**6))",
    "x = sum([list(range(1000))] * 100000, [])",
    "s = 'ab ' * 333333\nx = (s + s + s + s).split()",
    "x = repr([[0] * 1000] * 100000)",
    "p = '%c' * 500000\nx = datetime.now().strftime(p + p + p + p)",
    "s = 'x' * 10**6\nt = f'" + "{s}" * 35 + "'",  # copies of s joined
    "s = 'x' * 10**6\nt = '" + "{0}" * 35 + "'.format(s)",
    "x = ('%s' * 1000) % tuple(['y' * 10**6] * 1000)",
    "x = ('x' * 10**6).translate({120: 'y' * 1000})",
    "x = ('\\u0101' * 10**6).encode('ascii', 'namereplace')",
    "try:\n    x = 'x'.ljust(10**9)\nexcept Exception:\n    x = 'caught'",
]


def _status_mb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise LookupError(field)


def _peak_growth_mb(run: Any) -> tuple[int, float]:
    """(growth of the peak resident size in MB, CPU seconds) while ``run()`` runs.

    CPU time, not wall time: the suite runs on machines shared with other work.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to VmRSS
        before = _status_mb("VmRSS")
        peak: Any = lambda: _status_mb("VmHWM")  # noqa: E731
    except OSError:  # no /proc: the lifetime peak, which can only hide growth
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # noqa: E731
    started = time.process_time()
    run()
    return peak() - before, time.process_time() - started


@pytest.fixture
def env() -> RestrictedEnvironment:
    # A generous time limit: each probe must be stopped by the memory limit.
    return RestrictedEnvironment(time_limit=5.0, memory_limit=LIMIT)


@pytest.mark.parametrize("script", PROBES, ids=lambda s: s.replace("\n", "; ")[:48])
def test_hostile_allocations_are_refused_before_they_happen(
    env: RestrictedEnvironment, script: str
) -> None:
    def run() -> None:
        with pytest.raises(ScriptMemoryExceeded) as caught:
            env.execute(script, {})
        assert str(caught.value).startswith(
            "Skripts pārsniedza atmiņas ierobežojumu (32 MB)"
        )

    growth, seconds = _peak_growth_mb(run)
    assert seconds < 2.0  # on a busy machine; unguarded, one of these took 12.5 s
    # Unguarded, each of these takes from one to a thousand gigabytes.
    assert growth < 2 * LIMIT // MB


def test_without_proc_every_charge_counts(
    env: RestrictedEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_memory, "resident_bytes", lambda: None)
    for script in ("keep = []\nwhile True:\n    keep.append('x' * 10**6)", PROBES[2]):
        growth, _ = _peak_growth_mb(
            lambda s=script: pytest.raises(ScriptMemoryExceeded, env.execute, s, {})
        )
        assert growth < 2 * LIMIT // MB


def test_memory_freed_on_the_way_is_not_counted_against_a_script() -> None:
    # 5,000 lines appended one by one copy about 130 MB in all, never more than
    # 60 KB at a time: the resident size, not the sum of charges, decides.
    env = RestrictedEnvironment(time_limit=5.0, memory_limit=8 * MB)
    data: dict[str, Any] = {}
    env.execute(
        "text = ''\nfor i in range(5000):\n    text += 'rinda ' + str(i) + '\\n'", data
    )
    assert data["text"].count("\n") == 5000


def test_ordinary_scripts_behave_as_before(env: RestrictedEnvironment) -> None:
    data: dict[str, Any] = {"amount": 5}
    env.execute(
        "a = [1]\nb = a\na += [2]\na *= 2\n"  # in place, as Python does
        "s = 'x'\ns += 'y'\ns *= 3\nn = 7\nn %= 4\n"
        "t = f'{amount:>5}|{amount!r}|{\"ā\"}|{amount:{amount}}|{amount=}'\n"
        "u = '{:>4} {} {name}'.format(1, 'b', name='c') + '{0}{0}'.format('z')\n"
        "v = '%s-%05.1f' % ('a', 1.5) + '%(k)s!' % {'k': 'v'}\n"
        "j = ', '.join(x.upper() for x in ['a', 'b'])\n"
        "k = str.upper('a') + str(5) + repr([1, 'ā']) + format(3.14159, '.2f')\n"
        "d = format(date(2025, 1, 2), '%d.%m.%Y') + date(2025, 1, 2).strftime('%Y')\n"
        "m = sum([[1], [2]], []) + [sum([1, 2])]\n"
        "sp = 'a,b'.split(',') + 'a b'.split() + 'x\\ny'.splitlines()\n"
        "by = (5).to_bytes(2, 'big') + 'ā'.encode()\n"
        "r = 'xx'.replace('x', 'yy') + 'ab'.ljust(4, '.') + '7'.zfill(3)\n"
        "tr = 'abc'.translate(str.maketrans('a', 'A'))\n"
        "fk = dict.fromkeys(['a'], 0)\n"
        "l2 = [1, 2, 3]\nl2[1:2] = [7, 8]\n"
        "is_str = isinstance('a', str)\n"
        "padded = list(map('a'.ljust, [3]))\n",
        data,
    )
    assert data == {
        "amount": 5,
        "a": [1, 2, 1, 2],
        "b": [1, 2, 1, 2],
        "s": "xyxyxy",
        "n": 3,
        "t": "    5|5|ā|    5|amount=5",
        "u": "   1 b czz",
        "v": "a-001.5v!",
        "j": "A, B",
        "k": "A5[1, 'ā']3.14",
        "d": "02.01.20252025",
        "m": [1, 2, 3],
        "sp": ["a", "b", "a", "b", "x", "y"],
        "by": b"\x00\x05\xc4\x81",
        "r": "yyyyab..007",
        "tr": "Abc",
        "fk": {"a": 0},
        "l2": [1, 7, 8, 3],
        "is_str": True,
        "padded": ["a  "],
    }


def test_a_breach_leaves_the_task_data_as_it_was(env: RestrictedEnvironment) -> None:
    data = {"keep": 1}
    with pytest.raises(ScriptMemoryExceeded, match="task data"):
        env.execute("bomb = [0]\nfor _ in range(40):\n    bomb = [bomb, bomb]", data)
    assert data == {"keep": 1}
    env.execute("after = keep + 1", data)  # and the next script runs as usual
    assert data == {"keep": 1, "after": 2}


def test_a_value_turned_into_a_bomb_in_place_is_removed(
    env: RestrictedEnvironment,
) -> None:
    data: dict[str, Any] = {"keep": 1, "items": [0]}
    with pytest.raises(
        ScriptMemoryExceeded, match="removed from the task data: 'items'"
    ):
        env.execute("for _ in range(40):\n    items[0] = [items[0], items[0]]", data)
    assert data == {"keep": 1}


def test_an_exception_carrying_a_bomb_stays_printable(
    env: RestrictedEnvironment,
) -> None:
    with pytest.raises(ValueError, match="too large to show") as caught:
        env.execute(
            "a = [0]\nfor _ in range(40):\n    a = [a, a]\nraise ValueError(a)", {}
        )
    assert len(str(caught.value)) < 100


def test_an_expression_is_limited_too(env: RestrictedEnvironment) -> None:
    with pytest.raises(ScriptMemoryExceeded):
        env.evaluate("len('x'.ljust(10**9)) > 0", {})
    with pytest.raises(ScriptMemoryExceeded, match="the value"):
        env.evaluate("[shared] * 1000", {"shared": [[0] * 1000] * 1000})


def test_text_size_walks_each_object_once() -> None:
    a: list[Any] = [0]
    for _ in range(60):
        a = [a, a]
    started = time.monotonic()
    assert text_size(a, 10**30) > 2**60
    assert time.monotonic() - started < 0.1
    cycle: list[Any] = [1]
    cycle.append(cycle)
    assert text_size(cycle, 10**6) < 50  # printed as [1, [...]]
    assert text_size({"ā": [1, "xy"]}, 10**6) >= len(repr({"ā": [1, "xy"]}))


# ------------------------------------------------------------------ in diagrams


def test_a_gateway_condition_breach_names_the_gateway() -> None:
    elements = "\n".join(
        [
            '<bpmn:exclusiveGateway id="gw" default="gw_to_small"/>',
            spiff._script_task("big", "route = 'big'"),
            spiff._script_task("small", "route = 'small'"),
        ]
    )
    flows = "\n".join(
        [
            spiff._flow("start", "gw"),
            spiff._flow("gw", "big", spiff._escape("len('x'.ljust(10**9)) > 0")),
            spiff._flow("gw", "small"),
            spiff._flow("big", "end"),
            spiff._flow("small", "end"),
        ]
    )
    engine = RestrictedScriptEngine(memory_limit=LIMIT)
    workflow = spiff._workflow(elements, flows, engine)
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert caught.value.error_type == "ScriptMemoryExceeded"
    assert "atmiņas ierobežojumu (32 MB) elementā 'gw'" in str(caught.value)


def test_a_breach_is_an_incident_naming_the_element(
    db_session: Session, platform: Platform
) -> None:
    config = dataclasses.replace(platform.engine_config, script_memory_limit=LIMIT)
    engine = ProcessEngine(db_session, config)
    platform.deployer(db_session).deploy(
        {
            "bomb.bpmn": b.linear("bomb", b.script_task("x = 'x'.ljust(10**9)")),
            "fine.bpmn": b.linear("fine", b.script_task("x = 'x'.ljust(10)")),
        }
    )
    growth, seconds = _peak_growth_mb(
        lambda: engine.start("bomb", municipality=MUNI, data={})
    )
    assert growth < 2 * LIMIT // MB and seconds < 5
    [inst] = db_session.query(ProcessInstance).filter_by(municipality=MUNI).all()
    [incident] = engine.open_incidents(inst.id)
    assert (incident.element_id, incident.error_type) == (
        "work",
        "ScriptMemoryExceeded",
    )
    assert incident.message.startswith(
        "Skripts pārsniedza atmiņas ierobežojumu (32 MB) elementā 'work'"
    )
    assert inst.status == ProcessInstance.RUNNING
    # the engine goes on serving
    other = engine.start("fine", municipality=MUNI, data={})
    assert other.status == ProcessInstance.COMPLETED


def test_the_setting_reaches_the_engine_in_bytes(platform: Platform) -> None:
    settings = platform.settings.replace(script_memory_limit=16)
    configured = Platform(settings).engine_config
    assert configured.script_memory_limit == 16 * MB


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("'{!x}'.format(1)", ValueError),
        ("'{:d}'.format('x')", ValueError),
        ("'%d' % 'x'", TypeError),
        ("'x'.ljust('a')", TypeError),
        ("'x'.replace(1, 2)", TypeError),
        ("', '.join([1, 2])", TypeError),
        ("str.ljust(1, 5)", TypeError),
    ],
)
def test_wrong_arguments_still_get_pythons_own_errors(
    env: RestrictedEnvironment, expression: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        env.evaluate(expression, {})
