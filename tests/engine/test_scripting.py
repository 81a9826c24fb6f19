# SPDX-License-Identifier: EUPL-1.2
"""The restricted script engine, through real BPMN and DMN run by SpiffWorkflow."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from core.contracts import CallContext
from engine.sandbox import MAX_SOURCE_CHARS, SAFE_BUILTINS, RestrictedEnvironment
from engine.sandbox_memory import ScriptMemoryExceeded
from engine.scripting import (
    RestrictedScriptEngine,
    ScriptLimitExceeded,
    ScriptRejected,
    ScriptSyntaxError,
    ScriptTimeout,
    check_code,
)

# ------------------------------------------------------------------ BPMN helpers

DEFINITIONS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://pkip.lv/test">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    {elements}
    <bpmn:endEvent id="end"/>
    {flows}
  </bpmn:process>
</bpmn:definitions>"""


def _flow(source: str, target: str, condition: str | None = None) -> str:
    opening = (
        f'<bpmn:sequenceFlow id="{source}_to_{target}" sourceRef="{source}"'
        f' targetRef="{target}"'
    )
    if condition is None:
        return opening + "/>"
    return (
        f"{opening}>"
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def _chain(*element_ids: str) -> str:
    ids = ["start", *element_ids, "end"]
    return "\n".join(_flow(a, b) for a, b in zip(ids, ids[1:], strict=False))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _script_task(task_id: str, script: str) -> str:
    return (
        f'<bpmn:scriptTask id="{task_id}"><bpmn:script>{_escape(script)}'
        "</bpmn:script></bpmn:scriptTask>"
    )


def _workflow(
    elements: str,
    flows: str,
    engine: RestrictedScriptEngine,
    data: Mapping[str, Any] | None = None,
    dmn: str | None = None,
) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(DEFINITIONS.format(elements=elements, flows=flows).encode())
    if dmn is not None:
        parser.add_dmn_str(dmn.encode())
    workflow = BpmnWorkflow(
        parser.get_spec("proc"),
        parser.get_subprocess_specs("proc"),
        script_engine=engine,
    )
    if data:
        workflow.get_next_task(state=TaskState.READY).set_data(**data)
    return workflow


def _run_script(
    script: str, engine: RestrictedScriptEngine | None = None
) -> BpmnWorkflow:
    workflow = _workflow(
        _script_task("script", script),
        _chain("script"),
        engine or RestrictedScriptEngine(time_limit=0.2),
    )
    workflow.do_engine_steps()
    return workflow


def _task(workflow: BpmnWorkflow, spec_name: str) -> Any:
    return workflow.get_next_task(spec_name=spec_name)


# ------------------------------------------------------------------ script tasks


def test_a_normal_script_computes_values() -> None:
    workflow = _run_script(
        "total = sum(x * 2 for x in range(4))\n"
        "names = {k: v.upper() for k, v in {'a': 'rīga'}.items()}\n"
        "def fee(amount, rate=Decimal('0.21')):\n"
        "    return str((amount * rate).quantize(Decimal('0.01'), ROUND_HALF_UP))\n"
        "vat = fee(Decimal('10.05'))\n"
        "due = str(date(2025, 1, 31) + timedelta(days=10))\n"
        "recent = datetime.now().year >= 2024\n"
        "label = f'{total:>4}|' + '{}-{}'.format('a', 1)\n"
        "for _ in range(3):\n"
        "    total += 1\n"
        "count: int = 3\n"
    )
    assert workflow.is_completed()
    assert workflow.data == {
        "total": 15,
        "names": {"a": "RĪGA"},
        "vat": "2.11",
        "due": "2025-02-10",
        "recent": True,
        "label": "  12|a-1",
        "count": 3,
        "_": 2,
    }  # the helper function itself is dropped from task data, as in SpiffWorkflow


@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("__import__('os').mkdir({path!r})", "'__import__'"),
        ("open({path!r}, 'w').write('x')", "'open'"),
        ("import os\nos.mkdir({path!r})", "import"),
        ("from os import mkdir\nmkdir({path!r})", "import"),
        (
            "x = [c for c in ().__class__.__bases__[0].__subclasses__()]\ny = {path!r}",
            "'__class__'",
        ),
        ("x = (1).__class__.__base__\ny = {path!r}", "'__class__'"),
        ("g = (i for i in [1])\nf = g.gi_frame.f_back\ny = {path!r}", "is not allowed"),
        ("t = '{{0.__globals__}}'.format(len)\ny = {path!r}", "format field"),
    ],
)
def test_escapes_are_refused_before_anything_runs(
    tmp_path: Path, script: str, error: str
) -> None:
    target = tmp_path / "created"
    with pytest.raises(WorkflowTaskException) as caught:
        _run_script(script.format(path=str(target)))
    assert caught.value.error_type == "ScriptRejected"
    assert error in str(caught.value)
    assert not target.exists()


def test_reading_a_file_is_refused() -> None:
    workflow = _workflow(
        _script_task("script", "secret = open('/etc/passwd').read()"),
        _chain("script"),
        RestrictedScriptEngine(),
    )
    with pytest.raises(WorkflowTaskException, match="'open' is not allowed"):
        workflow.do_engine_steps()
    task = _task(workflow, "script")
    assert task.state == TaskState.ERROR
    assert "secret" not in task.data


def test_an_endless_loop_times_out_within_the_limit() -> None:
    started = time.monotonic()
    with pytest.raises(WorkflowTaskException) as caught:
        _run_script("while True: pass")
    elapsed = time.monotonic() - started
    assert caught.value.error_type == "ScriptTimeout"
    assert "0.2 s" in str(caught.value)
    assert 0.2 <= elapsed < 1.5


def test_a_runtime_error_keeps_its_type_and_line() -> None:
    with pytest.raises(WorkflowTaskException) as caught:
        _run_script("d = {}\nx = d[5]")  # KeyError(5) breaks Spiff's own formatting
    assert caught.value.error_type == "KeyError"
    assert caught.value.line_number == 2


def test_a_size_limit_is_an_error_of_the_task() -> None:
    with pytest.raises(WorkflowTaskException) as caught:
        _run_script("x = 'x' * 10 ** 9")
    assert caught.value.error_type == "ScriptLimitExceeded"


# ------------------------------------------------------------------ gateways


def _gateway_workflow(condition: str, amount: int) -> BpmnWorkflow:
    elements = "\n".join(
        [
            '<bpmn:exclusiveGateway id="gw" default="gw_to_small"/>',
            _script_task("big", "route = 'big'"),
            _script_task("small", "route = 'small'"),
        ]
    )
    flows = "\n".join(
        [
            _flow("start", "gw"),
            _flow("gw", "big", _escape(condition)),
            _flow("gw", "small"),
            _flow("big", "end"),
            _flow("small", "end"),
        ]
    )
    return _workflow(elements, flows, RestrictedScriptEngine(), {"amount": amount})


@pytest.mark.parametrize(("amount", "route"), [(150, "big"), (100, "small")])
def test_a_gateway_condition_chooses_the_path(amount: int, route: str) -> None:
    workflow = _gateway_workflow("amount > 100 and isinstance(amount, int)", amount)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.data["route"] == route


def test_a_gateway_condition_is_sandboxed_too() -> None:
    workflow = _gateway_workflow("__import__('os').getcwd() != ''", 150)
    with pytest.raises(WorkflowTaskException, match="'__import__'"):
        workflow.do_engine_steps()
    assert "route" not in workflow.data


# ------------------------------------------------------------------ service tasks


@dataclass
class FakeRegistry:
    """Records calls; returns ``result`` or raises ``error``."""

    result: Any = None
    error: Exception | None = None
    calls: list[tuple[str, dict[str, Any], CallContext]] = field(default_factory=list)

    def has_operator(self, name: str) -> bool:
        return name == "pmlp.person"

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        self.calls.append((name, dict(params), context))
        if self.error is not None:
            raise self.error
        return self.result


SERVICE_TASK = """<bpmn:serviceTask id="lookup"><bpmn:extensionElements>
  <spiffworkflow:serviceTaskOperator id="pmlp.person" resultVariable="person">
    <spiffworkflow:parameters>
      <spiffworkflow:parameter id="personas_kods" type="str" value="{code}"/>
      <spiffworkflow:parameter id="year" type="int" value="2000 + 24"/>
    </spiffworkflow:parameters>
  </spiffworkflow:serviceTaskOperator>
</bpmn:extensionElements></bpmn:serviceTask>"""


def _service_workflow(
    engine: RestrictedScriptEngine, code: str = "code"
) -> BpmnWorkflow:
    return _workflow(
        SERVICE_TASK.format(code=_escape(code).replace('"', "&quot;")),
        _chain("lookup"),
        engine,
        {"code": "161175-19997"},
    )


def test_a_service_task_calls_the_registry_with_evaluated_params() -> None:
    registry = FakeRegistry(result={"name": "Jānis", "born": date(1975, 11, 16)})
    engine = RestrictedScriptEngine(registry)
    engine.call_context = CallContext(instance_id="inst-1", municipality="0001000")
    workflow = _service_workflow(engine)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.data["person"] == {"name": "Jānis", "born": "1975-11-16"}
    [(name, params, context)] = registry.calls
    assert name == "pmlp.person"
    assert params == {"personas_kods": "161175-19997", "year": 2024}
    assert context == CallContext(
        instance_id="inst-1", municipality="0001000", element_id="lookup"
    )


def test_a_context_factory_takes_precedence() -> None:
    registry = FakeRegistry(result=[])
    engine = RestrictedScriptEngine(
        registry,
        context_factory=lambda task: CallContext(element_id=task.task_spec.bpmn_id),
    )
    engine.call_context = CallContext(instance_id="ignored")
    _service_workflow(engine).do_engine_steps()
    assert registry.calls[0][2] == CallContext(element_id="lookup")


def test_a_registry_exception_propagates() -> None:
    failure = ConnectionError("PMLP did not answer")
    workflow = _service_workflow(RestrictedScriptEngine(FakeRegistry(error=failure)))
    with pytest.raises(WorkflowTaskException, match="PMLP did not answer") as caught:
        workflow.do_engine_steps()
    assert caught.value.__cause__ is failure
    assert caught.value.error_type == "ConnectionError"
    assert _task(workflow, "lookup").state == TaskState.ERROR
    assert "person" not in workflow.data


def test_a_refused_parameter_expression_never_reaches_the_registry() -> None:
    registry = FakeRegistry(result={})
    workflow = _service_workflow(
        RestrictedScriptEngine(registry), code="__import__('os').getcwd()"
    )
    with pytest.raises(WorkflowTaskException, match="'__import__'"):
        workflow.do_engine_steps()
    assert registry.calls == []


def test_a_service_task_without_a_registry_fails_clearly() -> None:
    workflow = _service_workflow(RestrictedScriptEngine())
    with pytest.raises(WorkflowTaskException, match="no connector registry"):
        workflow.do_engine_steps()


# ------------------------------------------------------------------ DMN

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
    id="dmn_defs" name="Age" namespace="http://pkip.lv/dmn">
  <decision id="age_group" name="Age group">
    <decisionTable id="table" hitPolicy="UNIQUE">
      <input id="in_age" label="Age">
        <inputExpression id="in_age_expr" typeRef="number">
          <text>age</text>
        </inputExpression>
      </input>
      <output id="out_group" label="Group" name="group" typeRef="string"/>
      <rule id="r1">
        <inputEntry id="r1_in"><text>&lt; 18</text></inputEntry>
        <outputEntry id="r1_out"><text>{minor}</text></outputEntry>
      </rule>
      <rule id="r2">
        <inputEntry id="r2_in"><text>18 &lt;= ? &lt; 65</text></inputEntry>
        <outputEntry id="r2_out"><text>"adult"</text></outputEntry>
      </rule>
      <rule id="r3">
        <inputEntry id="r3_in"><text>65</text></inputEntry>
        <outputEntry id="r3_out"><text>"senior"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>"""

BUSINESS_RULE_TASK = """<bpmn:businessRuleTask id="decide"><bpmn:extensionElements>
  <spiffworkflow:calledDecisionId>age_group</spiffworkflow:calledDecisionId>
</bpmn:extensionElements></bpmn:businessRuleTask>"""


def _dmn_workflow(age: int, minor: str = '"minor"') -> BpmnWorkflow:
    return _workflow(
        BUSINESS_RULE_TASK,
        _chain("decide"),
        RestrictedScriptEngine(),
        {"age": age},
        dmn=DMN.format(minor=_escape(minor)),
    )


@pytest.mark.parametrize(
    ("age", "group"), [(7, "minor"), (30, "adult"), (65, "senior")]
)
def test_dmn_cells_still_evaluate(age: int, group: str) -> None:
    workflow = _dmn_workflow(age)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.data["group"] == group


def test_a_dmn_cell_is_sandboxed_too() -> None:
    workflow = _dmn_workflow(7, minor="__import__('os').getcwd()")
    with pytest.raises(WorkflowTaskException, match="'__import__'"):
        workflow.do_engine_steps()


# ------------------------------------------------------------------ check_code

REFUSED = [
    ("import os", "import is not allowed (line 1)"),
    ("from os import path", "import"),
    ("__import__('os')", "'__import__'"),
    ("x = ().__class__", "'__class__'"),
    ("x = y._private", "'_private'"),
    ("_hidden = 1", "'_hidden'"),
    ("x = f'{y.__class__}'", "'__class__'"),
    ("def f(_secret):\n    return 1", "'_secret'"),
    ("global x", "'global'"),
    ("def f():\n    nonlocal x", "'nonlocal'"),
    ("def f():\n    yield 1", "'yield'"),
    ("async def f():\n    pass", "'async def'"),
    ("class A:\n    pass", "a class definition"),
    ("with x:\n    pass", "a 'with' statement"),
    ("try:\n    pass\nexcept:\n    pass", "bare 'except:'"),
    ("try:\n    pass\nexcept* ValueError:\n    pass", "'except*'"),
    ("eval('1')", "'eval'"),
    ("exec('x = 1')", "'exec'"),
    ("compile('1', 'f', 'eval')", "'compile'"),
    ("open('/etc/passwd')", "'open'"),
    ("getattr(x, 'y')", "'getattr'"),
    ("type(x)", "'type'"),
    ("vars()", "'vars'"),
    ("globals()", "'globals'"),
    ("breakpoint()", "'breakpoint'"),
    ("x = (i for i in y).gi_frame", "'gi_frame'"),
    ("x = int.mro()", "'mro'"),
    ("'{0.__class__}'.format(1)", "format field"),
    ("s.format(1)", "string literal"),
    ("'{a}'.format_map(d)", "'format_map'"),
    ("match x:\n    case int(real=_r):\n        pass", "'_r'"),
    ("x.y *= 2", "augmented"),
    ("x = 1\ny = 2\nimport os", "(line 3)"),
]


@pytest.mark.parametrize(("source", "reason"), REFUSED)
def test_check_code_refuses(source: str, reason: str) -> None:
    with pytest.raises(ScriptRejected) as caught:
        check_code(source, "exec")
    assert reason in str(caught.value)
    assert not isinstance(caught.value, SyntaxError)


@pytest.mark.parametrize(
    "source",
    [
        "x = 1",
        "y = [i for i in range(3) if i]",
        "z = 'x'.upper().strip()",
        "def helper(a, b=2):\n    return a + b\nz = helper(1)",
        "double = lambda v: v * 2",
        "for _ in range(3):\n    pass",
        "s = '{} {:>4}'.format(1, 2)",
        "try:\n    x = 1\nexcept (ValueError, KeyError) as err:\n    x = str(err)",
        "d = dict(type='a')",
        "year = datetime.now().year",
        "match x:\n    case {'a': 1}:\n        y = 1",
    ],
)
def test_check_code_accepts(source: str) -> None:
    check_code(source, "exec")


def test_check_code_modes() -> None:
    check_code("a > 5 and b in ['x', 'y']", "eval")
    with pytest.raises(ScriptSyntaxError):
        check_code("x = 1", "eval")


def test_a_syntax_error_is_both_a_rejection_and_a_syntax_error() -> None:
    with pytest.raises(ScriptSyntaxError) as caught:
        check_code("x = 1\ny = (", "exec")
    assert isinstance(caught.value, SyntaxError)
    assert isinstance(caught.value, ScriptRejected)
    assert caught.value.lineno == 2


def test_check_code_limits_size_and_nesting() -> None:
    with pytest.raises(ScriptRejected, match="limit"):
        check_code("x = 1\n" * (MAX_SOURCE_CHARS // 6 + 1), "exec")
    with pytest.raises(ScriptRejected, match="nested"):
        check_code("1+" * 9000 + "1", "eval")


def test_check_code_caches_by_source() -> None:
    source = "cache_probe + 1"
    check_code(source, "eval")
    hits = check_code.cache_info().hits
    check_code(source, "eval")
    assert check_code.cache_info().hits == hits + 1


def test_validate_speaks_spiffs_dmn_dialect() -> None:
    engine = RestrictedScriptEngine()
    engine.validate("age >= 18")
    with pytest.raises(SyntaxError):  # the DMN engine then retries with `v > 5`
        engine.validate("> 5")
    with pytest.raises(ScriptRejected, match="'__import__'"):
        engine.validate("__import__('os')")
    engine.validate("x = 1", "exec")


# ------------------------------------------------------------------ runtime limits


@pytest.fixture
def env() -> RestrictedEnvironment:
    return RestrictedEnvironment(time_limit=0.2)


@pytest.mark.parametrize(
    "script",
    [
        "while True: pass",
        "try:\n    while True: pass\nfinally:\n    while True: pass",
        "while True:\n    try:\n        while True: pass\n    except Exception:\n"
        "        pass",
        "def spin():\n    while True:\n        pass\ntry:\n    spin()\nfinally:\n"
        "    spin()",
        "grow = [0]\nx = [grow.append(i) for i in grow]",
        "grow = [0]\nx = sum(1 for i in grow if grow.append(i) is None)",
        "grow = [0]\nx = any(map(grow.append, grow))",
        "grow = [0]\nx = any(filter(grow.append, grow))",
        "grow = [0]\ngrow.extend(zip(grow))",
        "grow = [0]\ngrow.extend(enumerate(grow))",
        "grow = [0]\ngrow.extend(iter(grow))",
        "f = lambda n: 0 if n < 1 else f(n - 1) + f(n - 1)\nx = f(80)",
        "def f():\n    try:\n        while True: pass\n    finally:\n"
        "        return 1\nwhile True:\n    x = f()",
    ],
)
def test_runaway_code_is_stopped(env: RestrictedEnvironment, script: str) -> None:
    started = time.monotonic()
    # Code that grows as it spins meets whichever limit comes first: on a fast
    # machine the memory limit, on a slow one the time limit.
    with pytest.raises((ScriptTimeout, ScriptMemoryExceeded)) as stopped:
        env.execute(script, {})
    assert time.monotonic() - started < 1.5
    if isinstance(stopped.value, ScriptTimeout):
        assert "0.2 s" in str(stopped.value)
    else:
        assert "grow" in script


def test_the_time_limit_works_in_any_thread(env: RestrictedEnvironment) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(env.execute, "while True: pass", {})
        with pytest.raises(ScriptTimeout):
            future.result(timeout=5)


def test_task_data_cannot_shadow_the_deadline(env: RestrictedEnvironment) -> None:
    with pytest.raises(ScriptTimeout):
        env.execute("while True: pass", {"__pkip_tick__": 1})


def test_an_existing_tracer_is_left_alone(env: RestrictedEnvironment) -> None:
    def tracer(frame: Any, event: str, arg: Any) -> None:
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        assert env.evaluate("sum(range(10))", {}) == 45
        with pytest.raises(ScriptTimeout):
            env.execute("while True: pass", {})
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


@pytest.mark.parametrize(
    "script",
    [
        "x = 10 ** 10 ** 8",
        "x = 'x' * 10 ** 9",
        "n = 10 ** 7\nx = [0] * n",
        "x = 1 << 10 ** 9",
        "x = sum(range(10 ** 12))",
        "n = 2\nfor _ in range(64):\n    n *= n",
        "d = {'n': 2}\nfor _ in range(64):\n    d['n'] **= 2",
        "x = int(Decimal('1e1000000'))",
    ],
)
def test_explosive_operations_are_refused(
    env: RestrictedEnvironment, script: str
) -> None:
    with pytest.raises(ScriptLimitExceeded):
        env.execute(script, {})


def test_ordinary_arithmetic_is_unaffected(env: RestrictedEnvironment) -> None:
    data: dict[str, Any] = {"d": {"a": 3}}
    env.execute("x = 2 ** 64\nline = '-' * 80\nd['a'] *= 2\nd['a'] **= 2", data)
    assert data == {"d": {"a": 36}, "x": 2**64, "line": "-" * 80}
    assert env.evaluate("isinstance(Decimal('1') + 1, Decimal)", {}) is True


@pytest.mark.parametrize(
    "name",
    sorted(n for n in SAFE_BUILTINS if not n.startswith("_") and n.isidentifier()),
)
def test_shared_builtins_cannot_carry_data_between_instances(
    env: RestrictedEnvironment, name: str
) -> None:
    # Everything in SAFE_BUILTINS is shared by the whole process.
    with pytest.raises((TypeError, AttributeError)):
        env.execute(f"{name}.note = 'from another instance'", {})


def test_registered_functions_are_callable() -> None:
    engine = RestrictedScriptEngine(functions={"double": lambda v: v * 2})
    assert _run_script("y = double(21)", engine).data == {"y": 42}
    with pytest.raises(ValueError, match="_private"):
        RestrictedScriptEngine(functions={"_private": len})
    with pytest.raises(ValueError, match="time_limit"):
        RestrictedScriptEngine(time_limit=0)
