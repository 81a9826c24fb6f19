# SPDX-License-Identifier: EUPL-1.2
"""VISS, the state interoperability gateway, and the registries behind it.

SOAP 1.1 through zeep over a WSDL and XSDs written by PKIP (``wsdl/``): the
Enterprise Register (UR), the Population Register (PMLP), the State Revenue Service
(VID), the State Land Service (VZD: parcels, buildings, addresses), the LDC animal
registry, the education system VIIS and the Probation Service (PLUS).

| module | what |
| --- | --- |
| ``contract`` | the WSDL's location, its operations, fault codes, the XSD check |
| ``keys`` | checking identifiers before a call; masking them for logs |
| ``client`` | ``VissClient``: zeep, the request header, errors mapped |
| ``results`` | replies as plain dicts |
| ``simulator`` | ``VissSimulator``: the same contract as a WSGI app, fault injection |
| ``fixtures`` | the simulator's deterministic registry data |
| ``operators`` | the operators diagrams call, and ``register`` below |

Settings: ``PKIP_VISS_*`` (see ``connectors.config``), per municipality too;
simulated unless ``PKIP_VISS_MODE=live`` with ``PKIP_VISS_URL``.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.config import system_config
from connectors.registry import QUERY, Operator, Registry
from connectors.systems.viss.contract import BY_OPERATOR
from connectors.systems.viss.operators import SPECS, VissConnector
from connectors.systems.viss.simulator import VissSimulator

__all__ = ["register"]


def register(
    registry: Registry,
    *,
    simulator: VissSimulator | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Register every VISS operator (all queries) on ``registry``.

    ``simulator`` and ``environ`` are for tests: by default the process's simulator
    and the real environment.
    """
    config = system_config("VISS", environ=environ)
    connector = VissConnector(simulator, environ)
    for spec in SPECS:
        registry.register(
            Operator(
                name=spec.name,
                system=BY_OPERATOR[spec.name].system,
                description=spec.description,
                mode=config.mode,
                func=connector.operator_func(spec),
                params=spec.params,
                kind=QUERY,
                timeout=config.timeout,
            )
        )
