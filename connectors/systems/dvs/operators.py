# SPDX-License-Identifier: EUPL-1.2
"""Municipal document management systems (Namejs, Lietvaris style), SOAP or REST.

* ``dvs.register_document`` (command) — ``direction`` (incoming/outgoing),
  ``document_type``, ``title``, ``document_date`` (YYYY-MM-DD), ``correspondent_name``,
  optional ``correspondent_code`` (personal code or registration number),
  ``case_number``, ``summary`` → ``{document_id, registration_number, registered_at}``;
* ``dvs.unfinished_count`` (query) — ``personal_code`` → ``{count, overdue, url}``;
* ``dvs.user_systems`` (query) — ``personal_code`` → ``{checked_at, systems: [{code,
  name, url, roles}]}``.

The protocol is ``PKIP_DVS_PROTOCOL`` (soap by default, or rest); the contract is
``wsdl/dvs.wsdl`` + ``wsdl/dvs.xsd`` for SOAP and ``contract.py`` for REST.
``simulator()`` is the process-wide simulator the web app mounts at ``/sim/dvs/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.config import listing_config
from connectors.registry import COMMAND, QUERY, Operator, Registry
from connectors.restkit import idempotency_key
from connectors.systems.dvs.client import (
    SYSTEM,
    dvs_client,
)
from connectors.systems.dvs.contract import document_from_params
from connectors.systems.dvs.simulator import DvsSimulator, default_simulator
from core.contracts import CallContext


def simulator() -> DvsSimulator:
    return default_simulator()


def register_document(
    params: Mapping[str, Any], context: CallContext
) -> dict[str, Any]:
    client = dvs_client(context.municipality)
    try:
        return client.register_document(
            document_from_params(params), idempotency_key(context)
        )
    finally:
        client.close()


def unfinished_count(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    client = dvs_client(context.municipality)
    try:
        return client.unfinished_count(params["personal_code"])
    finally:
        client.close()


def user_systems(params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
    client = dvs_client(context.municipality)
    try:
        return client.user_systems(params["personal_code"])
    finally:
        client.close()


def register(registry: Registry) -> None:
    config = listing_config(SYSTEM)
    for name, description, func, params, kind in (
        (
            "dvs.register_document",
            "Reģistrēt ienākošo vai nosūtāmo dokumentu DVS un saņemt reģ. numuru",
            register_document,
            (
                "direction",
                "document_type",
                "title",
                "document_date",
                "correspondent_name",
            ),
            COMMAND,
        ),
        (
            "dvs.unfinished_count",
            "Lietotāja nepabeigto darbu skaits dokumentu vadības sistēmā",
            unfinished_count,
            ("personal_code",),
            QUERY,
        ),
        (
            "dvs.user_systems",
            "Sistēmas, kuras persona (pēc personas koda) drīkst lietot",
            user_systems,
            ("personal_code",),
            QUERY,
        ),
    ):
        registry.register(
            Operator(
                name=name,
                system=SYSTEM,
                description=description,
                mode=config.mode,
                timeout=config.timeout,
                func=func,
                params=params,
                kind=kind,
            )
        )
