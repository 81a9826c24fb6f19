# SPDX-License-Identifier: EUPL-1.2
"""Start and end events that SpiffWorkflow 3.2 parses wrongly (checked with the
library alone):

- its start event parser reads only message, signal, timer and conditional event
  definitions: the start event of an error or escalation event sub-process becomes a
  none start event, and the handler runs the moment the process starts, with no
  error at all. Here error and escalation definitions are read too;
- its end event parser drops signal definitions: a signal end event throws nothing.
  Here it throws its signal.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.event_parsers import (
    CANCEL_EVENT_XPATH,
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
    TIMER_EVENT_XPATH,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffEndEventParser,
    SpiffStartEventParser,
)


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


class PkipEndEventParser(SpiffEndEventParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        event_definition = self.get_event_definition(
            [
                MESSAGE_EVENT_XPATH,
                CANCEL_EVENT_XPATH,
                ERROR_EVENT_XPATH,
                ESCALATION_EVENT_XPATH,
                TERMINATION_EVENT_XPATH,
                SIGNAL_EVENT_XPATH,
            ]
        )
        task = self._create_task(event_definition)
        task.connect(self.spec.end)
        return task
