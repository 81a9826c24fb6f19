# SPDX-License-Identifier: EUPL-1.2
"""Compensation (BPMN 2.0 §10.6.5, §13.5.5) within one process or sub-process level.

An activity with a compensation boundary event names its handler (an activity marked
``isForCompensation``, linked by an association). A compensation throw event — an
intermediate throw or an end event — runs the handlers of the activities of its own
level that have completed (only the one named by ``activityRef`` when given), most
recently completed first, waits for them (``waitForCompletion``), and goes on.
SpiffWorkflow 3.2 refuses the boundary event and would treat the throw event as a
plain event.

Before parsing, :func:`with_compensation` rewrites a copy of the diagram: the
boundary events and associations go; the throw event keeps its id but loses its event
definition, and its incoming flows lead instead to an unnamed
:class:`CompensationThrow` node with a flow to every handler (and a flow past them),
the handlers to an unnamed inclusive join, the join to the throw event. At run time
the throw node sends a token to the handlers of the completed activities only.

What this does not cover is refused at deploy by engine/deploy_flow.py: more than one
compensation throw event on a level, compensation of a deeper level (a completed
sub-process's own handlers), compensation event sub-processes, and handlers of loop
or multi-instance activities. A handler runs once per activity, with the case data as
it is when compensation is thrown.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import ConditionalGatewayConverter
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.deploy_xml import BPMN_NS, NS

FLOW_NS = "http://pkip.lv/bpmn/flow"
THROW_TAG = f"{{{FLOW_NS}}}compensationThrow"
JOIN_TAG = f"{{{FLOW_NS}}}compensationJoin"
HANDLER_TAG = f"{{{FLOW_NS}}}handler"
_B = f"{{{BPMN_NS}}}"


@dataclass
class Scope:
    """The compensation of one process or sub-process level, as drawn."""

    container: Any
    handlers: dict[str, str] = field(default_factory=dict)  # activity -> handler
    boundaries: list[Any] = field(default_factory=list)
    associations: list[Any] = field(default_factory=list)
    throws: list[Any] = field(default_factory=list)


def scopes(root: Any) -> list[Scope]:
    """Every process or sub-process level of a file that uses compensation."""
    found = []
    containers = ("process", "subProcess", "transaction")
    for container in root.iter(*(f"{_B}{kind}" for kind in containers)):
        scope = Scope(container)
        by_id = {node.get("id"): node for node in container if node.get("id")}
        for node in container:
            if node.find("bpmn:compensateEventDefinition", NS) is None:
                continue
            if node.tag == f"{_B}boundaryEvent":
                scope.boundaries.append(node)
            elif node.tag in (f"{_B}intermediateThrowEvent", f"{_B}endEvent"):
                scope.throws.append(node)
        boundary_of = {
            b.get("id"): b.get("attachedToRef", "") for b in scope.boundaries
        }
        for assoc in container.iterfind("bpmn:association", NS):
            ends = (assoc.get("sourceRef"), assoc.get("targetRef"))
            for boundary, handler in (ends, ends[::-1]):
                target = by_id.get(handler)
                if (
                    boundary in boundary_of
                    and target is not None
                    and target.get("isForCompensation") == "true"
                ):
                    scope.handlers[str(boundary_of[boundary])] = str(handler)
                    scope.associations.append(assoc)
        if scope.boundaries or scope.throws:
            found.append(scope)
    return found


def with_compensation(tree: Any) -> Any:
    """A copy of a parsed BPMN file with compensation as plain flow (see above)."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    if not scopes(root):
        return tree
    tree = copy.deepcopy(tree)
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    for scope in scopes(root):
        for node in scope.boundaries + scope.associations:
            scope.container.remove(node)
        for throw in scope.throws:
            _rewrite_throw(scope, throw)
    return tree


def _rewrite_throw(scope: Scope, throw: Any) -> None:
    container = scope.container
    definition = throw.find("bpmn:compensateEventDefinition", NS)
    only = definition.get("activityRef")
    throw.remove(definition)
    throw_id = throw.get("id", "")
    dispatch_id, join_id = f"{throw_id}.Compensate", f"{throw_id}.Compensated"
    for flow in container.iterfind("bpmn:sequenceFlow", NS):
        if flow.get("targetRef") == throw_id:
            flow.set("targetRef", dispatch_id)
    dispatch = etree.SubElement(container, THROW_TAG, id=dispatch_id)
    etree.SubElement(container, JOIN_TAG, id=join_id)
    skip = f"{dispatch_id}.Nothing"
    dispatch.set("default", skip)
    _flow(container, skip, dispatch_id, join_id)
    for activity, handler in scope.handlers.items():
        if only and activity != only:
            continue
        etree.SubElement(dispatch, HANDLER_TAG, activity=activity, handler=handler)
        flow = _flow(container, f"{dispatch_id}.{handler}", dispatch_id, handler)
        # a marker, never evaluated: the throw node chooses by completed activities
        expression = etree.SubElement(flow, f"{_B}conditionExpression")
        expression.text = "False"
        _flow(container, f"{handler}.{join_id}", handler, join_id)
    _flow(container, f"{join_id}.{throw_id}", join_id, throw_id)


def _flow(container: Any, flow_id: str, source: str, target: str) -> Any:
    return etree.SubElement(
        container, f"{_B}sequenceFlow", id=flow_id, sourceRef=source, targetRef=target
    )


class CompensationThrow(InclusiveGateway):  # type: ignore[misc]
    """Sends a token to the handler of each completed activity of its level."""

    def __init__(self, wf_spec: Any, name: str, handlers: Any = None, **kwargs: Any):
        super().__init__(wf_spec, name, **kwargs)
        self.handlers: dict[str, str] = dict(handlers or {})

    def _update_hook(self, my_task: Task) -> bool:
        my_task._inherit_data()
        return True

    def _run_hook(self, my_task: Task) -> bool:
        # An activity is compensated once: a later throw skips what an earlier did.
        compensated = {
            done
            for t in my_task.workflow.tasks.values()
            if isinstance(t.task_spec, CompensationThrow) and t is not my_task
            for done in t.internal_data.get("compensated", [])
        }
        completed = [
            t
            for t in my_task.workflow.tasks.values()
            if t.state == TaskState.COMPLETED
            and not isinstance(t.task_spec, LoopTask)
            and getattr(t.task_spec, "bpmn_id", None) in self.handlers
            and str(t.id) not in compensated
        ]
        completed.sort(key=lambda t: t.last_state_change, reverse=True)
        my_task.internal_data["compensated"] = [str(t.id) for t in completed]
        names: list[str] = []
        for task in completed:
            name = self.handlers[task.task_spec.bpmn_id]
            if name not in names:
                names.append(name)
        specs = my_task.workflow.spec.task_specs
        chosen = [specs[name] for name in names] or [specs[self._past_handlers()]]
        # most recently completed first: drop the predicted children, add in order
        my_task._sync_children([], TaskState.FUTURE)
        my_task._sync_children(chosen, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(
                child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK
            )
        return True

    def _past_handlers(self) -> str:
        """The flow past the handlers (the default), when nothing is compensated."""
        return str(next(name for cond, name in self.cond_task_specs if cond is None))


class CompensationJoin(InclusiveGateway):  # type: ignore[misc]
    """Waits for the handlers a compensation throw started (an inclusive join).

    SpiffWorkflow's join keeps, for a key every branch carries, the value of the
    branch that arrived last; a handler that changed it would be undone by one that
    did not. Here each handler's changes (against the data compensation was thrown
    with) are kept, in the order the handlers ran.
    """

    def _run_hook(self, my_task: Task) -> bool:
        others = sorted(
            (
                t
                for t in my_task.workflow.tasks.values()
                if t.task_spec == self
                and t.has_state(TaskState.FINISHED_MASK)
                and not my_task.is_descendant_of(t)
            ),
            key=lambda t: t.last_state_change,
        )
        base = _thrown_with(my_task)
        merged = copy.deepcopy(base)
        for branch in [t.parent for t in others] + [my_task.parent]:
            for key, value in branch.data.items():
                if key not in base or base[key] != value:
                    merged[key] = copy.deepcopy(value)
        for task in others:
            if task.has_state(TaskState.COMPLETED):
                task._drop_children(force=True)
        my_task.data = merged
        return True


def _thrown_with(task: Task) -> dict[str, Any]:
    """The data of the compensation throw a join task descends from."""
    parent = task.parent
    while parent is not None and not isinstance(parent.task_spec, CompensationThrow):
        parent = parent.parent
    return dict(parent.data) if parent is not None else {}


class _ThrowParser(ConditionalGatewayParser):  # type: ignore[misc]
    def create_task(self) -> CompensationThrow:
        handlers = {
            h.get("activity"): h.get("handler") for h in self.node.iter(HANDLER_TAG)
        }
        spec = CompensationThrow(
            self.spec, self.bpmn_id, handlers=handlers, **self.bpmn_attributes
        )
        spec.bpmn_id = None  # not an element of the diagram
        return spec


class _JoinParser(ConditionalGatewayParser):  # type: ignore[misc]
    def create_task(self) -> CompensationJoin:
        spec = CompensationJoin(self.spec, self.bpmn_id, **self.bpmn_attributes)
        spec.bpmn_id = None
        return spec


PARSER_CLASSES = {
    THROW_TAG: (_ThrowParser, CompensationThrow),
    JOIN_TAG: (_JoinParser, CompensationJoin),
}


class _ThrowConverter(ConditionalGatewayConverter):  # type: ignore[misc]
    def to_dict(self, spec: CompensationThrow) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(spec)
        dct["handlers"] = dict(spec.handlers)
        return dct


CONVERTERS: dict[type, type] = {
    CompensationThrow: _ThrowConverter,
    CompensationJoin: ConditionalGatewayConverter,
}
