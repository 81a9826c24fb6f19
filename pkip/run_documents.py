# SPDX-License-Identifier: EUPL-1.2
"""The document store of ``pkip bpmn run``: a diagram that makes a document
(``documents.render``) or delivers one (``documents.deliver``) runs in memory too.

The operators are the platform's own (``pkip.documents.DocumentOperators``: the
same numbering, templates, rendering and delivery), over a private in-memory SQLite
database with PKIP's tables, made at the first call — a run that makes no document
pays nothing. Each PDF is also written to a directory (a new temporary one unless
given) so the analyst can open it; ``made()`` lists them for the run's JSON.

The run has no process instance in a database, so the documents belong to no case
(no case number, no client): a template that needs the client's name gets "".
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from connectors.registry import Registry
from core.contracts import CallContext
from core.db import Base, make_engine, make_session_factory
from domain.documents.models import Delivery, Document
from domain.models import Municipality
from engine.clock import real_now
from pkip import documents

DIRECTORY_PREFIX = "pkip-bpmn-run-"


class RunDocuments:
    """``documents.render`` and ``documents.deliver`` for one in-memory run."""

    def __init__(
        self,
        connectors: Registry,
        *,
        municipality: str,
        municipality_name: str = "",
        directory: Path | None = None,
        clock: Callable[[], datetime] = real_now,
    ) -> None:
        self.connectors = connectors
        self.municipality = municipality
        self.municipality_name = municipality_name
        self.directory = directory
        self.clock = clock
        self._sessions: sessionmaker[Session] | None = None
        self._files: dict[int, Path] = {}

    def register(self, registry: Registry) -> None:
        """Add the two operators to ``registry`` (the run's connector registry)."""
        documents.register(registry, self)

    # -- the store -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self._sessions is None:
            self._sessions = self._open()
        with self._sessions.begin() as session:
            yield session

    def _open(self) -> sessionmaker[Session]:
        engine = make_engine("sqlite://", poolclass=StaticPool)
        Base.metadata.create_all(engine)
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            session.add(
                Municipality(
                    code=self.municipality, name=self.municipality_name, atvk=None
                )
            )
        return sessions

    def _operators(self) -> documents.DocumentOperators:
        return documents.DocumentOperators(
            self.transaction, self.connectors, None, self.clock
        )

    def _context(self, context: CallContext) -> CallContext:
        # no instance row exists in the store: the document belongs to no case
        return replace(
            context,
            instance_id=None,
            municipality=context.municipality or self.municipality,
        )

    # -- the operators ---------------------------------------------------------------
    def render(self, params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
        """documents.render, and the PDF written to the run's directory."""
        made = self._operators().render(params, self._context(context))
        with self.transaction() as session:
            document = session.get(Document, made["document_id"])
            assert document is not None  # just made
            self._files[document.id] = self._write(document)
        return made

    def deliver(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]:
        """documents.deliver (without a case's client: the print queue)."""
        return self._operators().deliver(params, self._context(context))

    def _write(self, document: Document) -> Path:
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix=DIRECTORY_PREFIX))
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{document.id:03d}-{Path(document.filename).name}"
        path.write_bytes(document.content)
        return path.resolve()

    # -- the result ------------------------------------------------------------------
    def made(self) -> list[dict[str, Any]]:
        """Each document made in the run, oldest first, with where its PDF is."""
        if self._sessions is None:
            return []
        with self.transaction() as session:
            rows = session.scalars(select(Document).order_by(Document.id)).all()
            states = {
                d.document_id: {"channel": d.channel, "state": d.state}
                for d in session.scalars(select(Delivery).order_by(Delivery.id))
            }
            return [
                {
                    "document_id": d.id,
                    "registration_number": d.registration_number,
                    "document_type": d.document_type,
                    "title": d.title,
                    "sha256": d.sha256,
                    "size": d.size,
                    "path": str(self._files.get(d.id, "")),
                    "delivery": states.get(d.id),
                }
                for d in rows
            ]
