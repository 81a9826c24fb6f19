# SPDX-License-Identifier: EUPL-1.2
"""Event conformance: plain SpiffWorkflow 3.2 against `pkip bpmn run`, side by side.

For each diagram in tests/engine/bpmn/conformance/ev_*.bpmn (with the data and the
messages its test gives), runs the chosen process in plain SpiffWorkflow — its own
parser and workflow (a collaboration through ``get_collaboration``), timers fired
by moving the clock, the given messages sent when awaited — and through PKIP's
runner, and prints where each ended against the end event the BPMN 2.0
specification requires. Prints a table and the counts; asserts nothing.

    .venv/bin/python bench/conformance_events.py
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer  # noqa: E402
from SpiffWorkflow.bpmn.specs.event_definitions.message import (  # noqa: E402
    MessageEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (  # noqa: E402
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from engine.deploy import DeployError, read_files  # noqa: E402
from engine.runner import RunFailed, run_diagram  # noqa: E402
from forms.validation import default_forms  # noqa: E402

DIAGRAMS = ROOT / "tests" / "engine" / "bpmn" / "conformance"

# file, process (or collaboration for plain), data, messages, the end BPMN requires
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    ("ev_esp_timer_interrupting", "ev_esp_timer_int", {}, {}, "esp_end"),
    ("ev_esp_timer_cycle", "ev_esp_timer_cycle", {}, {}, "end"),
    ("ev_esp_cycle_unbounded", "ev_esp_cycle_unbounded", {}, {}, "end"),
    ("ev_esp_timer_in_subprocess", "ev_esp_timer_sub", {}, {}, "end"),
    (
        "ev_esp_message",
        "ev_esp_message",
        {},
        {"note_added": {"n": 1}, "withdrawn": {"w": 1}},
        "end",
    ),
    ("ev_esp_signal_escalation", "ev_esp_signal_escalation", {}, {}, "end"),
    ("ev_esp_error", "ev_esp_error", {}, {}, "error_end"),
    ("ev_esp_data", "ev_esp_data", {}, {"note": {"n": 1}}, "end"),
    ("ev_esp_data_sub", "ev_esp_data_sub", {}, {"withdraw": {"w": 1}}, "end"),
    ("ev_esp_data_cycle", "ev_esp_data_cycle", {}, {}, "end"),
    ("ev_boundary_subprocess_timer", "ev_boundary_sub_timer", {}, {}, "end_late"),
    (
        "ev_boundary_call_activity",
        "ev_boundary_call",
        {"mode": "slow"},
        {},
        "end_timeout",
    ),
    (
        "ev_boundary_call_activity",
        "ev_boundary_call",
        {"mode": "refuse"},
        {},
        "end_refused",
    ),
    ("ev_error_boundary_nested", "ev_error_boundary_nested", {}, {}, "end_handled"),
    ("ev_boundary_timer_in_subprocess", "ev_boundary_timer_in_sub", {}, {}, "end"),
    ("ev_terminate_in_subprocess", "ev_terminate_sub", {}, {}, "end"),
    ("ev_error_end_top", "ev_error_end_top", {}, {}, "FAILED"),
    ("ev_escalation_end", "ev_escalation_end", {}, {}, "end_top_escalation"),
    ("ev_link", "ev_link", {}, {}, "end"),
    ("ev_event_gateway", "ev_event_gateway", {}, {}, "end_unpaid"),
    ("ev_event_gateway", "ev_event_gateway", {}, {"paid": {"sum": 5}}, "end_paid"),
    ("ev_conditional_catch", "ev_conditional_catch", {}, {}, "end"),
    ("ev_signal_across", "ev_sig_sender", {}, {}, "end_closed+end_cancelled+l_end"),
    ("ev_collaboration_messages", "ev_client", {}, {}, "end+end_reply"),
    (
        "ev_collaboration_correlated",
        "ev_applicant",
        {"case_number": "A-1"},
        {},
        "a_end+answer",
    ),
]
# (file, required end) -> (ids that must complete in this order, ids that must not)
PATHS: dict[tuple[str, str], tuple[list[str], set[str]]] = {
    ("ev_esp_timer_interrupting", "esp_end"): (["escalate"], {"after", "end"}),
    ("ev_esp_timer_cycle", "end"): (["remind", "remind", "remind", "end"], set()),
    ("ev_esp_cycle_unbounded", "end"): (["remind", "remind", "end"], set()),
    ("ev_esp_timer_in_subprocess", "end"): (["close_review", "after"], {"r_wait"}),
    ("ev_esp_message", "end"): (["record_note", "close_withdrawn"], {"wait_day"}),
    ("ev_esp_signal_escalation", "end"): (["throw_late", "late_start"], set()),
    ("ev_esp_error", "error_end"): (["i_error", "handle_error"], {"after", "o_end"}),
    # the handlers need the parent's data (x, reminders): alone, a NameError
    ("ev_esp_data", "end"): (["take_note", "wait_hour", "after"], set()),
    ("ev_esp_data_sub", "end"): (["close", "handling", "after"], {"wait_hour"}),
    ("ev_esp_data_cycle", "end"): (["remind", "remind", "remind", "end"], set()),
    ("ev_boundary_subprocess_timer", "end_late"): (["remind", "remind"], {"wait_3d"}),
    ("ev_boundary_call_activity", "end_timeout"): ([], {"c_end"}),
    ("ev_error_boundary_nested", "end_handled"): (["handle"], {"o_end"}),
    ("ev_terminate_in_subprocess", "end"): (["w_terminate", "after"], {"w_wait"}),
    ("ev_link", "end"): (["go_page2", "second"], set()),
    ("ev_boundary_timer_in_subprocess", "end"): (
        ["remind", "remind", "mark_late", "after"],
        {"receive_docs"},
    ),
    ("ev_conditional_catch", "end"): (["approve", "until_approved"], set()),
    ("ev_signal_across", "end_closed+end_cancelled+l_end"): (
        ["closed_early"],
        {"w_end"},
    ),
}
COLLABORATIONS = {
    "ev_signal_across": "ev_signal_collab",
    "ev_collaboration_messages": "ev_collab",
    "ev_collaboration_correlated": "ev_collab_corr",
}

_now = [datetime.now(UTC)]


class _Clock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return _now[0]


def path_ok(name: str, required: str, order: list[str]) -> bool:
    must, never = PATHS.get((name, required), ([], set()))
    if never & set(order):
        return False
    position = 0
    for element in must:  # in this order, repeats counted
        try:
            position = order.index(element, position) + 1
        except ValueError:
            return False
    return True


def plain(
    name: str, process: str, data: dict[str, Any], msgs: dict[str, Any]
) -> tuple[str, list[str]]:
    """Where plain SpiffWorkflow 3.2 ends: its completed end events, or what stopped."""
    original = spiff_timer.datetime
    spiff_timer.datetime = _Clock
    _now[0] = datetime.now(UTC)
    msgs = dict(msgs)
    try:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(DIAGRAMS / f"{name}.bpmn"))
        if name in COLLABORATIONS:
            spec, subs = parser.get_collaboration(COLLABORATIONS[name])
        else:
            spec, subs = parser.get_spec(process), parser.get_subprocess_specs(process)
        wf = BpmnWorkflow(spec, subs)
        wf.task_tree.data.update(data)
        for _ in range(60):
            wf.do_engine_steps()
            wf.refresh_timers()
            wf.do_engine_steps()
            if wf.is_completed():
                break
            waiting = wf.get_tasks(state=TaskState.WAITING)
            sent = False
            for task in waiting:
                event_def = getattr(task.task_spec, "event_definition", None)
                for d in getattr(event_def, "event_definitions", [event_def]):
                    if isinstance(d, MessageEventDefinition) and d.name in msgs:
                        wf.send_event(BpmnEvent(d, msgs.pop(d.name)))
                        sent = True
                        break
                if sent:
                    break
            if sent:
                continue
            due = []
            for task in waiting:
                value = task._get_internal_data("event_value")
                if isinstance(value, dict):
                    value = value.get("next")
                if isinstance(value, str):
                    due.append(TimerEventDefinition.get_datetime(value))
            if not due:
                return "stuck", _order(wf)
            _now[0] = max(_now[0], min(due)) + timedelta(seconds=1)
        if name in COLLABORATIONS:  # each pool's last end event
            pools = set(parser.collaborations[COLLABORATIONS[name]])
            scopes = [w for w in wf.subprocesses.values() if w.spec.name in pools]
        else:
            scopes = [wf]
        ends = []
        for scope in scopes:
            done = [
                t
                for t in scope.tasks.values()
                if t.state == TaskState.COMPLETED
                and type(t.task_spec).__name__ == "EndEvent"
            ]
            if done:
                ends.append(max(done, key=lambda t: t.last_state_change))
        found = "+".join(t.task_spec.bpmn_id for t in ends) or "no end event"
        return found, _order(wf)
    except Exception as exc:  # noqa: BLE001 - the table shows what went wrong
        return f"exception {type(exc).__name__}", []
    finally:
        spiff_timer.datetime = original


def _order(wf: BpmnWorkflow) -> list[str]:
    done = [
        t
        for t in wf.get_tasks(state=TaskState.COMPLETED)
        if getattr(t.task_spec, "bpmn_id", None)
    ]
    done.sort(key=lambda t: t.last_state_change)
    return [t.task_spec.bpmn_id for t in done]


def pkip(
    name: str, process: str, data: dict[str, Any], msgs: dict[str, Any]
) -> tuple[str, list[str]]:
    try:
        result = run_diagram(
            read_files([DIAGRAMS / f"{name}.bpmn"]),
            forms=default_forms(),
            process=process,
            data=data,
            messages=msgs,
        )
    except DeployError as exc:
        return f"refused: {exc.problems[0].element_id}", []
    except RunFailed as exc:
        if exc.result is None:
            return "failed", []
        status = exc.result.status
        return ("FAILED" if status == "failed" else status), exc.result.completed
    ends = [i["end_event"] for i in result.instances] if result.instances else []
    if len(ends) > 1:
        return "+".join(sorted(e or "?" for e in ends)), result.completed
    return result.end_event or "no end event", result.completed


def main() -> None:
    rows = []
    for name, process, data, msgs, required in CASES:
        want = "+".join(sorted(required.split("+")))
        results = []
        for runner in (plain, pkip):
            end, order = runner(name, process, data, msgs)
            same = "+".join(sorted(end.split("+"))) == want
            results.append((end, same and path_ok(name, required, order)))
        (got_plain, ok_plain), (got_pkip, ok_pkip) = results
        rows.append((name, required, got_plain, ok_pkip, got_pkip, ok_plain))
    print(f"{'diagram':<30} {'required':<26} {'plain 3.2':<28} {'pkip bpmn run':<26}")
    for name, required, got_plain, ok_pkip, got_pkip, ok_plain in rows:
        mark_plain = "ok" if ok_plain else "WRONG"
        mark_pkip = "ok" if ok_pkip else "WRONG"
        print(
            f"{name:<30} {required:<26} {mark_plain:<5} {got_plain:<22}"
            f" {mark_pkip:<5} {got_pkip}"
        )
    print(
        f"\nas the standard requires: plain {sum(r[5] for r in rows)}/{len(rows)},"
        f" pkip {sum(r[3] for r in rows)}/{len(rows)}"
    )


if __name__ == "__main__":
    main()
