# SPDX-License-Identifier: EUPL-1.2
"""Start events that SpiffWorkflow 3.2 parses wrongly.

Its start event parser reads only message, signal, timer and conditional event
definitions. The start event of an error or escalation event sub-process therefore
becomes a none start event, and the handler runs the moment the process starts,
without any error (checked with the library alone). This parser reads error and
escalation definitions too, so such an event sub-process waits for its event.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.event_parsers import (
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH,
)
from SpiffWorkflow.spiff.parser.event_parsers import SpiffStartEventParser


class PkipStartEventParser(SpiffStartEventParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        event_definition = self.get_event_definition(
            [
                MESSAGE_EVENT_XPATH,
                SIGNAL_EVENT_XPATH,
                TIMER_EVENT_XPATH,
                CONDITIONAL_EVENT_XPATH,
                ERROR_EVENT_XPATH,
                ESCALATION_EVENT_XPATH,
            ]
        )
        task = self._create_task(event_definition)
        self.spec.start.connect(task)
        return task
