# SPDX-License-Identifier: EUPL-1.2
"""Words for the BPMN element types the modeler's properties panel names
(translated; the panel shows the bpmn-js type itself for any other)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ELEMENT_TYPES = {
    "bpmn:Process": _l("Process"),
    "bpmn:Participant": _l("Process (pool)"),
    "bpmn:Collaboration": _l("Collaboration"),
    "bpmn:Lane": _l("Lane"),
    "bpmn:UserTask": _l("User task"),
    "bpmn:ServiceTask": _l("Service task"),
    "bpmn:BusinessRuleTask": _l("Business rule task"),
    "bpmn:ScriptTask": _l("Script task"),
    "bpmn:ManualTask": _l("Manual task"),
    "bpmn:SendTask": _l("Send task"),
    "bpmn:ReceiveTask": _l("Receive task"),
    "bpmn:Task": _l("Task"),
    "bpmn:CallActivity": _l("Call activity"),
    "bpmn:SubProcess": _l("Subprocess"),
    "bpmn:StartEvent": _l("Start event"),
    "bpmn:EndEvent": _l("End event"),
    "bpmn:IntermediateCatchEvent": _l("Intermediate catch event"),
    "bpmn:IntermediateThrowEvent": _l("Intermediate throw event"),
    "bpmn:BoundaryEvent": _l("Boundary event"),
    "bpmn:ExclusiveGateway": _l("Exclusive gateway"),
    "bpmn:ParallelGateway": _l("Parallel gateway"),
    "bpmn:InclusiveGateway": _l("Inclusive gateway"),
    "bpmn:EventBasedGateway": _l("Event-based gateway"),
    "bpmn:SequenceFlow": _l("Sequence flow"),
    "bpmn:MessageFlow": _l("Message flow"),
    "bpmn:TextAnnotation": _l("Text annotation"),
    "bpmn:Association": _l("Association"),
    "bpmn:DataObjectReference": _l("Data object"),
    "bpmn:DataStoreReference": _l("Data store"),
    "bpmn:Group": _l("Group"),
}


def element_types() -> dict[str, str]:
    """The type words in the request's language, for the page's JSON."""
    return {key: str(label) for key, label in ELEMENT_TYPES.items()}
