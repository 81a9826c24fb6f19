# SPDX-License-Identifier: EUPL-1.2
"""The platform's parts wired together from settings.

The web app, the Celery app and the command line each make one ``Platform`` and ask it
for sessions, a process engine or a deployer; nothing connects at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from connectors.audit import AuditTrail
from connectors.registry import Registry
from connectors.systems import default_registry
from core.db import (
    DEFERRED,
    SQLITE_BEGIN,
    lost_race,
    make_engine,
    make_session_factory,
)
from core.pii import install_log_masking
from core.settings import Settings
from domain.audit.checkpoints import parse_key as parse_audit_key
from domain.cases.services import on_advance
from domain.catalogue.workflow import CatalogueSync
from domain.form_versions.services import StoredForms, forms_for_definition, pins_for
from domain.models import Municipality
from domain.oidc.keys import SigningKey, load_signing_key
from domain.oidc.services import LOGOUT_OPERATOR
from domain.services.flow import on_setup_advance
from engine.clock import real_now
from engine.deploy import Deployer, DeployResult, read_files
from engine.errors import Conflict
from engine.interfaces import FormCatalogue
from engine.outbox import RetryPolicy
from engine.runtime import EngineConfig, ProcessEngine
from engine.workflow import StateSerializer
from forms.validation import default_forms
from pkip import documents, oidc, payments, street_trade
from pkip.audit import chain_calls

MIGRATIONS = Path(__file__).parent / "migrations"
DEMO_MUNICIPALITY_NAME = "Demo pašvaldība"
DEMO_ATVK = "0001000"


class Platform:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        connectors: Registry | None = None,
        forms: FormCatalogue | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        install_log_masking()  # no personal code in any log line of this process
        self.db = make_engine(self.settings.database_url)
        self.sessions = make_session_factory(self.db)
        self.pii = self.settings.pii_vault()
        # Signs the audit chain's checkpoints; never stored in the database.
        self.audit_key = parse_audit_key(self.settings.audit_key, env=self.settings.env)
        self.audit_export_dir = Path(self.settings.audit_export_dir)
        # Commands are audited at once, in transactions of their own (before the
        # call): the sessions let the trail do it.
        self.audit = AuditTrail(
            self.settings.secret_key, sessions=self.sessions, vault=self.pii
        )
        # Each call's final record also goes into the central audit chain.
        self.audit.on_final = chain_calls
        self.connectors = connectors or default_registry(audit=self.audit)
        # The session of the platform transaction open in this thread/context, so
        # that work done by an operator inside it (documents.*) joins it.
        self._open: ContextVar[Session | None] = ContextVar(
            f"pkip_transaction_{id(self)}", default=None
        )
        self.audit.in_transaction = lambda: self._open.get() is not None
        if isinstance(self.connectors, Registry) and not self.connectors.has_operator(
            "documents.render"
        ):
            documents.register(
                self.connectors,
                documents.DocumentOperators(
                    self.joined_transaction, self.connectors, self.pii, self._now
                ),
            )
        self._oidc_key: SigningKey | None = None
        self.oidc_transport = oidc.Transport()
        if isinstance(self.connectors, Registry) and not self.connectors.has_operator(
            LOGOUT_OPERATOR
        ):
            oidc.register(
                self.connectors,
                oidc.LogoutSender(self.oidc_key, self.oidc_transport.http, self._now),
            )
        if isinstance(self.connectors, Registry) and not self.connectors.has_operator(
            "payments.request"
        ):
            payments.register(
                self.connectors,
                payments.PaymentOperators(
                    self.joined_transaction,
                    self.connectors,
                    self._now,
                    self.settings.public_url,
                ),
            )
        if isinstance(self.connectors, Registry) and not self.connectors.has_operator(
            "trade.hold"
        ):
            street_trade.register(
                self.connectors,
                street_trade.TradeOperators(self.joined_transaction, self._now),
            )
        self.retry_policy = RetryPolicy()
        self.engine_config = EngineConfig(
            connectors=self.connectors,
            forms=forms or default_forms(),
            serializer=StateSerializer(vault=self.pii),
            clock=clock or real_now,
            script_time_limit=self.settings.script_time_limit,
            script_memory_limit=self.settings.script_memory_limit * 1024 * 1024,
        )
        if forms is None:
            # Forms are versioned in the database (domain/form_versions): each
            # definition validates against the versions it was deployed with.
            self.engine_config.form_resolver = forms_for_definition
        self.engine_config.after_advance.append(on_advance)
        # Card versions follow their approval diagram (domain/catalogue/workflow.py)
        self.engine_config.after_advance.append(CatalogueSync(self.engine_config))
        self.engine_config.after_advance.append(on_setup_advance)

    def _now(self) -> datetime:
        return self.engine_config.clock()

    def oidc_key(self) -> SigningKey:
        """The key that signs OpenID Connect tokens (loaded on first use)."""
        if self._oidc_key is None:
            self._oidc_key = load_signing_key(
                self.settings.oidc_signing_key, env=self.settings.env
            )
        return self._oidc_key

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Session]:
        """A session committed at the end of the block (or rolled back on an error).

        Connector calls made inside are audited in the same transaction; when it
        rolls back, their audit rows are written on their own (the calls happened).

        This is the one place every transaction commits, so a lost race is turned
        into the engine's ``Conflict`` here, whichever statement met it (a flush
        inside the block or the commit itself): the loser of two simultaneous
        completions gets a conflict on both databases, never a server error.
        ``readonly`` lets an SQLite reader run beside the writer (a deferred BEGIN);
        it may still write, but then risks a conflict.
        """
        try:
            with self.sessions.begin() as session:
                if readonly and isinstance(session.get_bind(), Engine):
                    session.connection(execution_options={SQLITE_BEGIN: DEFERRED})
                token = self._open.set(session)
                try:
                    yield session
                finally:
                    self._open.reset(token)
                self.audit.write(session, self.audit.drain())
        except DBAPIError as exc:
            self._write_apart()
            if lost_race(exc):
                raise Conflict(
                    "someone else changed the same record at the same time; "
                    "reload and try again"
                ) from exc
            raise
        except BaseException:
            self._write_apart()
            raise

    def _write_apart(self) -> None:
        records = self.audit.drain()
        if records:
            with self.sessions.begin() as apart:
                self.audit.write(apart, records)

    @contextmanager
    def joined_transaction(self) -> Iterator[Session]:
        """A savepoint in the platform transaction open in this context, else a
        transaction of its own (the outbox calls operators outside transactions).

        Joining matters on SQLite: a second connection writing while this thread's
        transaction has read would make that transaction's own write fail (WAL
        snapshot). The savepoint keeps a failed operator's writes out of the
        caller's commit.
        """
        session = self._open.get()
        if session is None:
            with self.transaction() as own:
                yield own
            return
        with session.begin_nested():
            yield session

    def engine(self, session: Session) -> ProcessEngine:
        return ProcessEngine(session, self.engine_config)

    def deployer(self, session: Session) -> Deployer:
        versioned = self.engine_config.form_resolver is not None
        return Deployer(
            session,
            serializer=self.engine_config.serializer,
            connectors=self.connectors,
            forms=(
                StoredForms(session, base=self.engine_config.forms)
                if versioned
                else self.engine_config.forms
            ),
            form_pins=(
                (lambda keys, municipality: pins_for(session, keys, municipality))
                if versioned
                else None
            ),
            forms_for=(
                (
                    lambda municipality: StoredForms(
                        session, municipality, base=self.engine_config.forms
                    )
                )
                if versioned
                else None
            ),
        )

    # -- set-up steps used by `make run`, the CLI and tests --------------------------
    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option(
            "sqlalchemy.url", self.settings.database_url.replace("%", "%%")
        )
        return cfg

    def migrate(self) -> None:
        """Bring the database schema to the newest migration."""
        with self.db.begin() as connection:
            cfg = self.alembic_config()
            cfg.attributes["connection"] = connection
            cfg.attributes["pii_vault"] = self.pii  # data migrations seal with it
            command.upgrade(cfg, "heads")

    def deploy(
        self,
        paths: list[str | Path],
        *,
        municipality: str | None = None,
        deployed_by: str = "system",
    ) -> list[DeployResult]:
        with self.transaction() as session:
            return self.deployer(session).deploy(
                read_files(paths), municipality=municipality, deployed_by=deployed_by
            )

    def seed_demo(self) -> Municipality:
        """The demo municipality of the embedded mode, with its departments and one
        user per role — never users in production (idempotent)."""
        from domain.accounts.services import seed_demo_accounts
        from domain.catalogue.seed import seed_demo_cards
        from domain.street_trade.seed import seed_demo_places

        code = self.settings.demo_municipality
        with self.transaction() as session:
            found = session.scalars(
                select(Municipality).where(Municipality.code == code)
            ).first()
            if found is None:
                found = Municipality(code=code, name=DEMO_MUNICIPALITY_NAME, atvk=None)
                session.add(found)
                session.flush()
            if found.atvk is None and self.settings.env != "production":
                # PSPP cards name their territory: the demo stands in for a state
                # city with Rīga's code, which the PSPP simulator's catalogue uses
                found.atvk = DEMO_ATVK
            if self.settings.env != "production":
                seed_demo_accounts(session, code, env=self.settings.env)
                # the demo's service cards: published, for the existing services
                seed_demo_cards(session, code, now=self._now())
                # the permanent street trade places (Rīga's, for the demo)
                seed_demo_places(session, code, now=self._now())
            return found

    def dispose(self) -> None:
        self.db.dispose()
