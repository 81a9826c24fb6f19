# SPDX-License-Identifier: EUPL-1.2
"""The operators diagrams call (``pmlp.person``, ``ldc.dogs``, …), one per operation.

Each operator reads its parameters, builds the request header from the call context
(municipality, user, process instance, and a fixed purpose per operator: VISS wants
to know why data is asked for) and calls the :class:`VissClient` for the calling
municipality's settings. Clients are made once per distinct configuration and kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.config import SystemConfig, system_config
from connectors.registry import QUERY, Operator, OperatorFunc, Registry
from connectors.systems.viss.client import Requester, VissClient
from connectors.systems.viss.contract import BY_OPERATOR
from connectors.systems.viss.simulator import VissSimulator, default_simulator
from core.contracts import CallContext

Call = Callable[[VissClient, Mapping[str, Any], Requester], Any]
_PURPOSE = "Pašvaldības pakalpojuma lietas izskatīšana: "


@dataclass(frozen=True)
class OperatorSpec:
    name: str
    description: str
    params: tuple[str, ...]  # required; optional ones are named in the description
    purpose: str
    call: Call


SPECS: tuple[OperatorSpec, ...] = (
    OperatorSpec(
        "ur.company",
        "Uzņēmums pēc reģistrācijas numura: nosaukums, forma, statuss, adrese,"
        " amatpersonas (UR caur VISS)",
        ("reg_number",),
        _PURPOSE + "juridiskās personas datu pārbaude",
        lambda c, p, r: c.company(p["reg_number"], r),
    ),
    OperatorSpec(
        "pmlp.person",
        "Persona pēc personas koda: vārds, dzimšanas datums, deklarētā adrese, bērni,"
        " aizbildnībā esošie (PMLP caur VISS)",
        ("personal_code",),
        _PURPOSE + "personas datu pārbaude",
        lambda c, p, r: c.person(p["personal_code"], r),
    ),
    OperatorSpec(
        "vid.taxpayer",
        "Nodokļu maksātāja statuss un nodokļu parāds pēc personas koda vai"
        " reģistrācijas numura (VID caur VISS)",
        ("code",),
        _PURPOSE + "nodokļu parādu pārbaude",
        lambda c, p, r: c.taxpayer(p["code"], r),
    ),
    OperatorSpec(
        "vzd.parcel",
        "Zemes vienība pēc kadastra numura: platība, adrese, lietošanas mērķis"
        " (VZD caur VISS)",
        ("cadastre_number",),
        _PURPOSE + "nekustamā īpašuma datu pārbaude",
        lambda c, p, r: c.parcel(p["cadastre_number"], r),
    ),
    OperatorSpec(
        "vzd.building",
        "Būve pēc kadastra apzīmējuma: zemes vienība, adrese, lietošanas veids,"
        " stāvi, platība (VZD caur VISS)",
        ("cadastre_designation",),
        _PURPOSE + "būves datu pārbaude",
        lambda c, p, r: c.building(p["cadastre_designation"], r),
    ),
    OperatorSpec(
        "vzd.address",
        "Adrešu reģistra meklēšana: adreses kods, ATVK kods, pilnā adrese"
        " (VZD caur VISS)",
        ("query",),
        _PURPOSE + "adreses noteikšana",
        lambda c, p, r: c.addresses(p["query"], r),
    ),
    OperatorSpec(
        "ldc.dogs",
        "Suņi, kas reģistrēti uz īpašnieka personas kodu"
        " (LDC dzīvnieku reģistrs caur VISS)",
        ("owner_code",),
        _PURPOSE + "suņu turēšanas nodevas aprēķins",
        lambda c, p, r: c.dogs(p["owner_code"], r),
    ),
    OperatorSpec(
        "viis.preschools",
        "Pirmsskolas izglītības iestādes ar programmām; neobligāts atvk ierobežo"
        " teritoriju (VIIS caur VISS)",
        (),
        _PURPOSE + "pirmsskolas izglītības iestāžu saraksts",
        lambda c, p, r: c.preschools(p.get("atvk"), r),
    ),
    OperatorSpec(
        "viis.child",
        "Bērna uzņemšana pirmsskolas izglītības iestādēs pēc personas koda"
        " (VIIS caur VISS)",
        ("personal_code",),
        _PURPOSE + "rindas uz pirmsskolas izglītības iestādi pārbaude",
        lambda c, p, r: c.child(p["personal_code"], r),
    ),
    OperatorSpec(
        "plus.client_status",
        "Probācijas klienta statuss sociālās palīdzības sistēmai SOPA pēc personas"
        " koda (PLUS caur VISS)",
        ("personal_code",),
        "Sociālās palīdzības lietas izskatīšana (SOPA): probācijas klienta statuss",
        lambda c, p, r: c.client_status(p["personal_code"], r),
    ),
)


class VissConnector:
    """The operators' shared state: the simulator and one client per configuration."""

    def __init__(
        self,
        simulator: VissSimulator | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._simulator = simulator
        self._environ = environ
        self._clients: dict[SystemConfig, VissClient] = {}
        self._lock = threading.Lock()

    @property
    def simulator(self) -> VissSimulator:
        return self._simulator or default_simulator()

    def client(self, municipality: str | None) -> VissClient:
        """The client for a municipality's VISS settings (made on first use)."""
        config = system_config("VISS", municipality, self._environ)
        with self._lock:
            client = self._clients.get(config)
            if client is None:
                client = VissClient(config, self.simulator)
                self._clients[config] = client
        return client

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def operator_func(self, spec: OperatorSpec) -> OperatorFunc:
        def call(params: Mapping[str, Any], context: CallContext) -> Any:
            requester = Requester(
                purpose=spec.purpose,
                municipality=context.municipality,
                user=context.actor,
                process_instance=context.instance_id,
            )
            return spec.call(self.client(context.municipality), params, requester)

        call.__name__ = spec.name.replace(".", "_")
        return call


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
