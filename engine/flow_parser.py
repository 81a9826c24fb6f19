# SPDX-License-Identifier: EUPL-1.2
"""The parser deploys use: PKIP's, with the flow constructs of engine/flow_split.py
and engine/flow_loops.py, outgoing flows in definition order, and the serializer
entries for the task specs it adds."""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import ConditionalGatewayConverter
from SpiffWorkflow.spiff.parser.process import SpiffProcessParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter

from engine.flow_compensation import CONVERTERS as COMPENSATION_CONVERTERS
from engine.flow_compensation import PARSER_CLASSES as COMPENSATION_PARSER_CLASSES
from engine.flow_compensation import with_compensation
from engine.flow_data import CaseDataIo
from engine.flow_loops import (
    CONVERTERS as LOOP_CONVERTERS,
)
from engine.flow_loops import (
    PkipParallelMultiInstanceTask,
    PkipSequentialMultiInstanceTask,
    PkipStandardLoopTask,
)
from engine.flow_split import PARSER_CLASSES as SPLIT_PARSER_CLASSES
from engine.flow_split import ImplicitSplit, with_implicit_splits
from engine.outbox import PkipBpmnParser, PkipServiceTask

_PKIP_CONVERTERS: dict[type, type] = {PkipServiceTask: ServiceTaskConverter}


# Activities whose ioSpecification scopes their data (engine/flow_data.py); a
# sub-process or call activity hands its data to a workflow of its own instead.
_IO_SCOPED = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
}
_SCOPED: dict[type, type] = {}  # an activity's task spec class -> with CaseDataIo
_IO_CONVERTERS: dict[type, type] = {}


def _with_case_data(tag: str, spec_class: type) -> None:
    if etree.QName(tag).localname not in _IO_SCOPED or spec_class in _SCOPED:
        return
    # The same name: definitions' meta and stored specs keep their type names, and
    # specs stored before restore with the mixin too.
    scoped = type(spec_class.__name__, (CaseDataIo, spec_class), {})
    scoped.__module__ = __name__
    _SCOPED[spec_class] = scoped
    _IO_CONVERTERS[scoped] = next(
        SPIFF_CONFIG.get(base) or _PKIP_CONVERTERS[base]
        for base in spec_class.__mro__
        if base in SPIFF_CONFIG or base in _PKIP_CONVERTERS
    )


def _flow_parser(parser_class: type) -> type:
    """The task parser, building PKIP's loop, multi-instance and activity specs."""
    if not issubclass(parser_class, TaskParser):
        return parser_class

    base: Any = parser_class

    def create_task(self: Any) -> Any:
        task = base.create_task(self)
        # Some of SpiffWorkflow's parsers name their spec class in code (user and
        # business rule tasks), so the class is swapped here rather than passed.
        scoped = _SCOPED.get(type(task))
        if scoped is not None:
            task.__class__ = scoped
        return task

    return type(
        parser_class.__name__,
        (parser_class,),
        {
            "STANDARD_LOOP_CLASS": PkipStandardLoopTask,
            "SEQUENTIAL_MI_CLASS": PkipSequentialMultiInstanceTask,
            "PARALLEL_MI_CLASS": PkipParallelMultiInstanceTask,
            "create_task": create_task,
            "__module__": __name__,
        },
    )


def _parser_classes() -> dict[str, tuple[type, type]]:
    merged = {**PkipBpmnParser.PARSER_CLASSES, **PkipBpmnParser.OVERRIDE_PARSER_CLASSES}
    for tag, (_, spec) in merged.items():
        _with_case_data(tag, spec)
    classes = {
        tag: (_flow_parser(parser), _SCOPED.get(spec, spec))
        for tag, (parser, spec) in merged.items()
    }
    classes.update(SPLIT_PARSER_CLASSES)
    classes.update(COMPENSATION_PARSER_CLASSES)
    return classes


class _DefinitionOrderProcessParser(SpiffProcessParser):  # type: ignore[misc]
    """Outgoing flows in the order they are defined, not the order they are drawn.

    SpiffWorkflow sorts a node's outgoing flows by where their targets are drawn
    (the diagram's y coordinates), and an exclusive gateway takes the first flow
    whose condition holds: moving a shape in the modeler would change the path.
    BPMN 2.0 (and every engine analysts know) takes the first flow defined; with
    no position, SpiffWorkflow's stable sort keeps the document order.
    """

    def get_position(self, node_id: str) -> dict[str, float]:
        return {"x": 0.0, "y": 0.0}


class FlowBpmnParser(PkipBpmnParser):
    """PKIP's parser, reading the flow constructs as the standard says."""

    OVERRIDE_PARSER_CLASSES = _parser_classes()
    PROCESS_PARSER_CLASS = _DefinitionOrderProcessParser

    def add_bpmn_xml(self, bpmn: Any, filename: str | None = None) -> None:
        super().add_bpmn_xml(with_implicit_splits(with_compensation(bpmn)), filename)


CONVERTERS: dict[type, type] = {
    ImplicitSplit: ConditionalGatewayConverter,
    **LOOP_CONVERTERS,
    **COMPENSATION_CONVERTERS,
    **_IO_CONVERTERS,
}
