# SPDX-License-Identifier: EUPL-1.2
"""The SpiffWorkflow script engine: diagram code in the sandbox, services by connector.

SpiffWorkflow evaluates script tasks, gateway conditions, pre/post scripts, timers,
service-task parameters, multi-instance and message expressions and DMN cells through
``workflow.script_engine`` (or its ``environment``). :class:`RestrictedScriptEngine`
runs all of them in :class:`~engine.sandbox.RestrictedEnvironment` (see
:mod:`engine.sandbox` for what the sandbox refuses and limits, and why) and resolves
service tasks through the connector registry.

The sandbox's checker and exceptions are re-exported here, so callers can keep
importing them from this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from core.contracts import CallContext, ConnectorRegistry
from engine.sandbox import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIME_LIMIT,
    Mode,
    RestrictedEnvironment,
    ScriptLimitExceeded,
    ScriptMemoryExceeded,
    ScriptRejected,
    ScriptSyntaxError,
    ScriptTimeout,
    check_code,
)

__all__ = [
    "RestrictedScriptEngine",
    "ScriptLimitExceeded",
    "ScriptMemoryExceeded",
    "ScriptRejected",
    "ScriptSyntaxError",
    "ScriptTimeout",
    "check_code",
]


def _describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def _element(task: Any) -> str:
    spec = task.task_spec
    return str(getattr(spec, "bpmn_id", None) or spec.name)


class RestrictedScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow script engine with the sandbox and the connector registry.

    Service tasks (``spiffworkflow:serviceTaskOperator``) are resolved through
    ``connectors``. The :class:`CallContext` handed to the registry comes from
    ``context_factory(task)`` when given; otherwise from the ``call_context``
    attribute, which the engine sets before advancing an instance (with the task's
    element id filled in). The attribute is per engine object: share one engine object
    between threads only together with a ``context_factory``.

    ``functions`` exposes extra callables to scripts by name (the diagram function
    registry); they are trusted code and are not interrupted by the time limit.
    ``memory_limit`` is in bytes (see :mod:`engine.sandbox_memory`); a breach is a
    :class:`ScriptMemoryExceeded` naming the element.
    """

    def __init__(
        self,
        connectors: ConnectorRegistry | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        context_factory: Callable[[Any], CallContext] | None = None,
        *,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        super().__init__(
            environment=RestrictedEnvironment(time_limit, functions, memory_limit)
        )
        self.connectors = connectors
        self.context_factory = context_factory
        self.call_context: CallContext | None = None
        # Set by the engine while it advances an instance: commands go there instead
        # of being called (see engine.outbox.PkipServiceTask).
        self.outbox: Any = None

    @property
    def time_limit(self) -> float:
        """Seconds one evaluation or script execution may take."""
        limit: float = self.environment.time_limit
        return limit

    def validate(self, expression: str, mode: Mode = "eval") -> None:
        """Check code without running it (SpiffWorkflow's DMN engine calls this).

        Raises :class:`ScriptSyntaxError` (a ``SyntaxError``) or
        :class:`ScriptRejected`.
        """
        check_code(expression, mode)

    def evaluate(
        self,
        task: Any,
        expression: str,
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Evaluate an expression over the task's data.

        As SpiffWorkflow's own, but the error message keeps the cause (a refusal or a
        timeout would otherwise read only "Error evaluating expression").
        """
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except ScriptMemoryExceeded as err:
            named = err.at(_element(task))
            raise WorkflowTaskException(
                f"{named} — expression '{expression}'", task=task, exception=named
            ) from err
        except Exception as err:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {_describe(err)}",
                task=task,
                exception=err,
            ) from err

    def create_task_exec_exception(
        self, task: Any, script: str, err: Exception
    ) -> Exception:
        """Wrap a script's exception, also ``KeyError(5)`` (Spiff's own fails on it).

        A memory breach names the element: the incident's message says where.
        """
        if isinstance(err, ScriptMemoryExceeded):
            err = err.at(_element(task))
            line_number, error_line = self.get_error_line_number_and_content(
                script, err
            )
            named: Exception = WorkflowTaskException(
                str(err),
                task=task,
                exception=err,
                line_number=line_number,
                error_line=error_line,
            )
            return named
        if isinstance(err, SpiffWorkflowException) or isinstance(
            next(iter(err.args), ""), str
        ):
            wrapped: Exception = super().create_task_exec_exception(task, script, err)
            return wrapped
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        wrapped = WorkflowTaskException(
            _describe(err),
            task=task,
            exception=err,
            line_number=line_number,
            error_line=error_line,
        )
        return wrapped

    def call_service(self, task: Any, **kwargs: Any) -> str:
        """Call the operator named by a service task and return its result as JSON.

        SpiffWorkflow passes ``operation_name`` and ``operation_params`` as
        ``{name: {"value": evaluated, "type": declared}}``; the registry gets
        ``{name: evaluated}``. A failure propagates as a ``WorkflowTaskException``
        whose ``__cause__`` is the registry's exception; it is never swallowed.
        """
        name: str = kwargs["operation_name"]
        raw: Mapping[str, Any] = kwargs.get("operation_params") or {}
        params = {
            key: value["value"] if isinstance(value, Mapping) else value
            for key, value in raw.items()
        }
        if self.connectors is None:
            raise WorkflowTaskException(
                f"service operator '{name}' called, but no connector registry is set",
                task=task,
            )
        try:
            result = self.connectors.call(name, params, self._call_context(task))
        except SpiffWorkflowException:
            raise
        except Exception as err:
            raise WorkflowTaskException(
                f"service operator '{name}' failed: {_describe(err)}",
                task=task,
                exception=err,
            ) from err
        # Spiff's ServiceTask json.loads() the return value into the result variable.
        return json.dumps(result, default=str)

    def _call_context(self, task: Any) -> CallContext:
        if self.context_factory is not None:
            return self.context_factory(task)
        context = self.call_context or CallContext()
        if context.element_id is None:
            spec = task.task_spec
            element_id = getattr(spec, "bpmn_id", None) or spec.name
            context = replace(context, element_id=element_id)
        return context
