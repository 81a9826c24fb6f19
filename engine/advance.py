# SPDX-License-Identifier: EUPL-1.2
"""The engine's core: its session and config, looking up definitions and instances,
and the machinery every operation goes through — load an instance's workflow, act on
it, run it to its next wait state and record what happened (engine/sync.py).

Each public operation works inside the caller's transaction and only flushes: the web
request, the job or the CLI command commits (or rolls back on an error). An instance
row carries a version number that SQLAlchemy checks on every UPDATE, so of two
concurrent advances of the same instance exactly one wins and the other gets
``Conflict`` with nothing written (:func:`conflicts`).

The operations themselves are mixins over :class:`EngineCore`, put together as
``ProcessEngine`` in engine/runtime.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.task import Task
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.calendar import WorkingCalendar
from core.contracts import CallContext, ConnectorRegistry, FormValidationError
from core.db import lost_race
from core.pii import PiiVault
from engine.clock import real_now, use_clock
from engine.diagram_functions import diagram_functions
from engine.errors import Conflict, InvalidOperation, NotFound
from engine.interfaces import FormCatalogue
from engine.models import (
    BASE_VARIANT,
    HistoryEvent,
    ProcessDefinition,
    ProcessInstance,
    UserTask,
)
from engine.outbox import OutboxWriter
from engine.sandbox import DEFAULT_MEMORY_LIMIT
from engine.scripting import RestrictedScriptEngine
from engine.sync import AdvanceRecorder
from engine.workflow import PkipWorkflow, StateSerializer


@dataclass
class EngineConfig:
    """The long-lived parts an engine needs; one per process, shared by sessions."""

    connectors: ConnectorRegistry
    forms: FormCatalogue
    serializer: StateSerializer = field(default_factory=StateSerializer)
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    clock: Callable[[], datetime] = real_now
    script_time_limit: float = 1.0
    script_memory_limit: int = DEFAULT_MEMORY_LIMIT
    """Bytes one script or expression may add to the process (engine/sandbox.py)."""
    form_resolver: (
        Callable[[Session, ProcessDefinition, FormCatalogue], FormCatalogue] | None
    ) = None
    """The forms of one deployed definition (the versions it was deployed with),
    given ``forms`` for the keys it pins none of; without it every definition
    uses ``forms``."""
    after_advance: list[Callable[[Session, ProcessInstance], None]] = field(
        default_factory=list
    )
    """Called after every advance of an instance, in its transaction (the domain
    keeps its own records in step this way, e.g. the service case's status)."""

    @property
    def vault(self) -> PiiVault | None:
        """The personal-data vault that seals instance state (core/pii.py); the
        domain seals its own records with the same keys."""
        return self.serializer.vault


class EngineCore:
    """The engine over one database session: what every group of operations uses."""

    def __init__(self, session: Session, config: EngineConfig) -> None:
        self.session = session
        self.config = config
        self.scripts = RestrictedScriptEngine(
            connectors=config.connectors,
            time_limit=config.script_time_limit,
            memory_limit=config.script_memory_limit,
            functions=diagram_functions(config.calendar, config.clock),
        )

    def now(self) -> datetime:
        return self.config.clock()

    # -- definitions ------------------------------------------------------------------
    def definition_for(self, key: str, municipality: str) -> ProcessDefinition:
        """The version in force: the municipality's own variant, else the base one."""
        found = self.session.scalars(
            select(ProcessDefinition)
            .where(
                ProcessDefinition.key == key,
                ProcessDefinition.municipality.in_((municipality, BASE_VARIANT)),
            )
            # the variant ('RIGA') sorts before the base ('') in descending order
            .order_by(
                ProcessDefinition.municipality.desc(), ProcessDefinition.version.desc()
            )
            .limit(1)
        ).first()
        if found is None:
            raise NotFound(f"process '{key}' is not deployed")
        return found

    def get_instance(
        self, instance_id: str, municipality: str | None = None
    ) -> ProcessInstance:
        instance = self.session.get(ProcessInstance, instance_id)
        if instance is None or (
            municipality is not None and instance.municipality != municipality
        ):
            raise NotFound(f"instance {instance_id} not found")
        return instance

    # -- internals ---------------------------------------------------------------------
    def forms_of(self, definition: ProcessDefinition) -> FormCatalogue:
        """The form catalogue of ``definition``: what its tasks render and validate."""
        if self.config.form_resolver is None:
            return self.config.forms
        return self.config.form_resolver(self.session, definition, self.config.forms)

    def _validate(
        self, definition: ProcessDefinition, form_key: str, data: Mapping[str, Any]
    ) -> None:
        errors = self.forms_of(definition).validate(form_key, data)
        if errors:
            raise FormValidationError(form_key, errors)

    def _specs(self, definition: ProcessDefinition) -> Any:
        return self.config.serializer.load_specs(
            f"{definition.id}:{definition.checksum}", lambda: definition.spec_json
        )

    def workflow(self, instance: ProcessInstance) -> PkipWorkflow:
        """The instance's restored workflow, for reading (its data, its tasks).

        Changes made to it are not saved: advancing goes through the operations
        above, which record history, the task index and the state together.
        """
        return self._load(instance)

    def _load(self, instance: ProcessInstance) -> PkipWorkflow:
        spec, subs = self._specs(instance.definition)
        wf = self.config.serializer.load_state(instance.state, spec, subs)
        # The script engine is not part of the state: attach it on every load.
        wf.script_engine = self.scripts
        return wf

    def _active(
        self, instance_id: str, municipality: str | None, allow_suspended: bool = False
    ) -> ProcessInstance:
        instance = self.get_instance(instance_id, municipality)
        allowed = {ProcessInstance.RUNNING} | (
            {ProcessInstance.SUSPENDED} if allow_suspended else set()
        )
        if instance.status not in allowed:
            raise InvalidOperation(f"instance {instance_id} is {instance.status}")
        return instance

    def _advance(
        self,
        instance: ProcessInstance,
        wf: PkipWorkflow,
        *,
        actor: str | None,
        action: Callable[[PkipWorkflow], None] | None = None,
        completed_task: str | None = None,
    ) -> None:
        self.scripts.call_context = CallContext(
            instance_id=instance.id, municipality=instance.municipality, actor=actor
        )
        self.scripts.outbox = OutboxWriter(
            self.session,
            instance.id,
            instance.municipality,
            self.config.clock,
            self.config.vault,
        )
        watermark = time.time()
        error: Exception | None = None
        with use_clock(self.config.clock):
            try:
                if action is not None:
                    action(wf)
                wf.do_engine_steps()
            except Conflict:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure becomes an incident
                error = exc
            finally:
                self.scripts.outbox = None
        # What leaves the instance (engine/event_routing.py): taken before the state
        # is written, so a later load never sends it again.
        thrown = wf.get_events()
        self._sync(
            instance,
            wf,
            watermark=watermark,
            actor=actor,
            error=error,
            completed_task=completed_task,
            thrown=thrown,
        )
        self._route_thrown(instance, thrown, actor)

    def _route_thrown(
        self, instance: ProcessInstance, thrown: list[Any], actor: str | None
    ) -> None:
        """Deliver messages and signals to other instances (engine/signals.py)."""

    def _sync(
        self,
        instance: ProcessInstance,
        wf: PkipWorkflow,
        *,
        watermark: float,
        actor: str | None,
        error: Exception | None = None,
        completed_task: str | None = None,
        thrown: list[Any] | None = None,
    ) -> None:
        """Write what the advance did: history, task index, waits, status, state."""
        with conflicts():
            recorder = AdvanceRecorder(
                self, instance, wf, watermark=watermark, actor=actor
            )
            recorder.record(
                error=error, completed_task=completed_task, thrown=thrown or []
            )
            self.session.flush()
            for listener in self.config.after_advance:
                listener(self.session, instance)

    def _event(self, instance: ProcessInstance, kind: str, **kwargs: Any) -> None:
        self.session.add(
            HistoryEvent(instance_id=instance.id, kind=kind, at=self.now(), **kwargs)
        )

    def _event_for(self, row: UserTask, kind: str, **kwargs: Any) -> None:
        self.session.add(
            HistoryEvent(
                instance_id=row.instance_id,
                kind=kind,
                at=self.now(),
                element_id=row.element_id,
                element_name=row.name,
                task_id=row.id,
                **kwargs,
            )
        )

    def _flush(self) -> None:
        with conflicts():
            self.session.flush()


@contextmanager
def conflicts() -> Iterator[None]:
    """Turn a lost write race into ``Conflict`` (the caller rolls back)."""
    try:
        yield
    except StaleDataError as exc:
        raise Conflict(
            "the case was changed by someone else; reload and try again"
        ) from exc
    except DBAPIError as exc:
        # Both writers inserted the same next task (PostgreSQL: a unique violation
        # once the winner commits), or SQLite could not get the write lock: for the
        # caller the same conflict as a version mismatch.
        if lost_race(exc):
            raise Conflict(
                "the case is being changed by someone else; try again"
            ) from exc
        raise


def find_task(wf: PkipWorkflow, task_id: str) -> Task | None:
    try:
        wanted = UUID(task_id)
    except ValueError:
        return None
    for task in wf.all_tasks():
        if task.id == wanted:
            return task
    return None
