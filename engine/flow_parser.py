# SPDX-License-Identifier: EUPL-1.2
"""The parser deploys use: PKIP's, with the flow constructs of engine/flow_split.py
and engine/flow_loops.py, and the serializer entries for their task specs."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.serializer.default.task_spec import ConditionalGatewayConverter

from engine.flow_loops import (
    CONVERTERS as LOOP_CONVERTERS,
)
from engine.flow_loops import (
    PkipParallelMultiInstanceTask,
    PkipSequentialMultiInstanceTask,
)
from engine.flow_split import PARSER_CLASSES as SPLIT_PARSER_CLASSES
from engine.flow_split import ImplicitSplit, with_implicit_splits
from engine.outbox import PkipBpmnParser


def _with_flow_loops(parser_class: type) -> type:
    """The task parser, building PKIP's multi-instance task specs."""
    if not issubclass(parser_class, TaskParser):
        return parser_class
    return type(
        parser_class.__name__,
        (parser_class,),
        {
            "SEQUENTIAL_MI_CLASS": PkipSequentialMultiInstanceTask,
            "PARALLEL_MI_CLASS": PkipParallelMultiInstanceTask,
            "__module__": __name__,
        },
    )


def _parser_classes() -> dict[str, tuple[type, type]]:
    merged = {**PkipBpmnParser.PARSER_CLASSES, **PkipBpmnParser.OVERRIDE_PARSER_CLASSES}
    classes = {
        tag: (_with_flow_loops(parser), spec) for tag, (parser, spec) in merged.items()
    }
    classes.update(SPLIT_PARSER_CLASSES)
    return classes


class FlowBpmnParser(PkipBpmnParser):
    """PKIP's parser, reading the flow constructs as the standard says."""

    OVERRIDE_PARSER_CLASSES = _parser_classes()

    def add_bpmn_xml(self, bpmn: Any, filename: str | None = None) -> None:
        super().add_bpmn_xml(with_implicit_splits(bpmn), filename)


CONVERTERS: dict[type, type] = {
    ImplicitSplit: ConditionalGatewayConverter,
    **LOOP_CONVERTERS,
}
