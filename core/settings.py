# SPDX-License-Identifier: EUPL-1.2
"""One typed settings object, read from ``PKIP_*`` environment variables.

Every setting is declared once here with its default and help text; the docs'
configuration table is generated from these declarations (``pkip config --markdown``).
Defaults are safe for the embedded mode (SQLite, in-process jobs, simulators);
``PKIP_ENV=production`` refuses to start with the default secret, with SQLite, or
without the personal-data keys (core/pii.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.pii import PiiVault

DEFAULT_SECRET = "pkip-dev-secret-change-me"  # noqa: S105 - the known-unsafe default


class SettingsError(ValueError):
    """A setting has an unusable value; the message names the variable."""


def _setting(default: Any, help: str) -> Any:  # noqa: A002 - mirrors argparse
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    env: str = _setting("development", "Run mode: development, test or production.")
    secret_key: str = _setting(
        DEFAULT_SECRET,
        "Secret for sessions and tokens. Production refuses the default.",
    )
    database_url: str = _setting(
        "sqlite:///var/pkip.sqlite3",
        "SQLAlchemy URL. SQLite by default; postgresql+psycopg://… in production.",
    )
    broker_url: str = _setting(
        "",
        "Celery broker (redis://127.0.0.1:6379/0). Empty: jobs run in-process. "
        "A Redis broker also keeps the sign-in limits shared by every web process.",
    )
    process_dir: str = _setting(
        "processes/bpmn", "Folder of BPMN/DMN files that `make run` deploys."
    )
    timer_interval: float = _setting(
        5.0, "Seconds between sweeps for due timers in the in-process job loop."
    )
    outbox_interval: float = _setting(
        2.0, "Seconds between sweeps of the outbox for messages to deliver."
    )
    edelivery_interval: float = _setting(
        60.0, "Seconds between polls of the e-address (DEPP) and DIV inboxes."
    )
    script_time_limit: float = _setting(
        1.0, "Seconds a single script or expression in a diagram may run."
    )
    script_memory_limit: int = _setting(
        64,
        "Megabytes a single script or expression in a diagram may add to the "
        "process's memory; a breach stops it and opens an incident.",
    )
    demo_municipality: str = _setting(
        "DEMO", "Code of the demo municipality seeded by `make run`."
    )
    public_url: str = _setting(
        "",
        "The workplace's public address (https://pkip.example.lv): outside systems "
        "call back to it (the payment module's notifications). Empty: addresses "
        "relative to the site, which only the built-in simulators follow.",
    )
    host: str = _setting("127.0.0.1", "Address the web server listens on.")
    port: int = _setting(5000, "Port the web server listens on.")
    web_workers: int = _setting(
        1,
        "Web server processes. 1: one threaded process (jobs may run in it); "
        "production runs gunicorn even then. More: gunicorn with that many "
        "processes (jobs on Celery).",
    )
    web_threads: int = _setting(
        4,
        "Threads per gunicorn web process (PKIP_WEB_WORKERS > 1, or production).",
    )
    log_level: str = _setting("INFO", "Logging level.")
    pii_hash_key: str = _setting(
        "",
        "Key of the keyed hash (HMAC-SHA256) that finds personal codes: base64 of 32 "
        "random bytes (`pkip pii new-key`). Stored hashes depend on it: after a change "
        "run `pkip pii rotate --rehash`. Empty: a public development key. "
        "Production refuses to start without.",
    )
    pii_keys: str = _setting(
        "",
        "Encryption keys of personal data at rest: `id:base64key` entries separated "
        "by commas, newest first. The first encrypts, all decrypt; to rotate, put a "
        "new key first and run `pkip pii rotate`. Empty: a public development key. "
        "Production refuses to start without.",
    )
    pii_retention_years: int = _setting(
        5,
        "Years after a case is closed when its personal data is erased "
        "(`pkip pii purge`; see docs/personal-data.md).",
    )
    audit_key: str = _setting(
        "",
        "Key that signs the audit chain's checkpoints (HMAC-SHA256): base64 of 32 "
        "random bytes (`pkip audit new-key`). Never stored in the database. Empty: a "
        "public development key, with a warning. Production refuses to start without.",
    )
    audit_export_dir: str = _setting(
        "var/audit",
        "Directory the signed audit checkpoints are appended to "
        "(audit-checkpoints.jsonl): keep it outside the database's host and backups.",
    )
    audit_checkpoint_interval: float = _setting(
        3600.0,
        "Seconds between signed audit checkpoints (in-process loop and Celery beat).",
    )
    oidc_signing_key: str = _setting(
        "",
        "RSA private key (PEM, or the path of a PEM file) that signs the ID tokens "
        "and logout tokens of PKIP's OpenID Connect provider (`pkip oidc new-key`). "
        "Empty: a development key generated into var/, with a warning. Production "
        "refuses to start without.",
    )
    oidc_issuer: str = _setting(
        "",
        "Public base URL of PKIP as an OpenID Connect provider "
        "(https://pkip.example.lv): the `iss` of its tokens. Empty: the address the "
        "request came to (development).",
    )
    trusted_proxies: int = _setting(
        0,
        "Reverse proxies in front of the web app whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (0: none; the header is ignored). The "
        "sign-in limits count the client address the last of them saw.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every declared setting from ``PKIP_<NAME>``; validate the result."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            var = f"PKIP_{f.name.upper()}"
            if var not in environ:
                continue
            raw = environ[var]
            kind = type(f.default) if f.default is not MISSING else str
            try:
                values[f.name] = kind(raw) if kind in (int, float) else raw
            except ValueError as exc:
                raise SettingsError(
                    f"{var}: expected {kind.__name__}, got {raw!r}"
                ) from exc
        settings = cls(**values)
        settings.validate()
        return settings

    def replace(self, **changes: Any) -> Settings:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(changes)
        settings = Settings(**data)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.env not in ("development", "test", "production"):
            raise SettingsError(f"PKIP_ENV: unknown mode {self.env!r}")
        if self.env == "production":
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise SettingsError(
                    "PKIP_SECRET_KEY: production needs a secret of at least 32 "
                    "characters, not the default"
                )
            if self.database_url.startswith("sqlite"):
                raise SettingsError("PKIP_DATABASE_URL: production needs PostgreSQL")
            if not self.oidc_signing_key.strip():
                raise SettingsError(
                    "PKIP_OIDC_SIGNING_KEY: production needs the key that signs "
                    "OpenID Connect tokens"
                )
        self._validate_pii()
        self._validate_audit_key()
        if self.web_workers < 1 or self.web_threads < 1:
            raise SettingsError("PKIP_WEB_WORKERS, PKIP_WEB_THREADS: at least 1")
        if self.trusted_proxies < 0:
            raise SettingsError("PKIP_TRUSTED_PROXIES: 0 or more")
        if self.script_time_limit <= 0:
            raise SettingsError("PKIP_SCRIPT_TIME_LIMIT: must be positive")
        if self.script_memory_limit < 1:
            raise SettingsError("PKIP_SCRIPT_MEMORY_LIMIT: at least 1 (megabytes)")

    def _validate_pii(self) -> None:
        from core.pii import PiiError, PiiVault

        try:
            PiiVault.from_config(
                self.pii_hash_key, self.pii_keys, env=self.env, warn=False
            )
        except PiiError as exc:
            raise SettingsError(str(exc)) from exc
        if self.pii_retention_years < 1:
            raise SettingsError("PKIP_PII_RETENTION_YEARS: at least 1")

    def _validate_audit_key(self) -> None:
        import base64
        import binascii

        text = self.audit_key.strip()
        if not text:
            if self.env == "production":
                raise SettingsError(
                    "PKIP_AUDIT_KEY: production needs the key that signs audit "
                    "checkpoints"
                )
            return
        try:
            key = base64.b64decode(text + "=" * (-len(text) % 4), b"-_", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SettingsError("PKIP_AUDIT_KEY: not base64") from exc
        if len(key) != 32:
            raise SettingsError(f"PKIP_AUDIT_KEY: needs 32 bytes, got {len(key)}")
        if self.audit_checkpoint_interval <= 0:
            raise SettingsError("PKIP_AUDIT_CHECKPOINT_INTERVAL: must be positive")

    def pii_vault(self) -> PiiVault:
        """The personal-data vault of these settings (core/pii.py)."""
        from core.pii import PiiVault

        return PiiVault.from_config(self.pii_hash_key, self.pii_keys, env=self.env)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.database_url.startswith("sqlite:///"):
            return None
        return Path(self.database_url.removeprefix("sqlite:///"))


def settings_table() -> str:
    """The configuration table for the docs, generated from the declarations."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for f in fields(Settings):
        default = "" if f.default is MISSING else f.default
        rows.append(f"| `PKIP_{f.name.upper()}` | `{default}` | {f.metadata['help']} |")
    return "\n".join(rows)
