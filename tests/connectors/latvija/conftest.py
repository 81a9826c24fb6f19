# SPDX-License-Identifier: EUPL-1.2
"""A latvija.lv simulator and PKIP's service provider bound to it, with keys in a
temporary directory (made once per session: RSA keys are slow to make)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.config import system_config
from connectors.systems.latvija.client import LatvijaClient, idp_metadata
from connectors.systems.latvija.simulator import LatvijaSimulator

BASE = "http://portal.test"
IDP_BASE = BASE + "/sim/latvija"


@pytest.fixture(scope="session")
def saml_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("saml")


@pytest.fixture
def idp(saml_keys: Path) -> LatvijaSimulator:
    return LatvijaSimulator(saml_keys)


@pytest.fixture
def sp(idp: LatvijaSimulator, saml_keys: Path) -> LatvijaClient:
    config = system_config("LATVIJA", None, {})
    return LatvijaClient(
        base_url=BASE,
        acs_path="/portals/saml/acs",
        metadata_path="/portals/saml/metadata",
        keys=saml_keys,
        idp_metadata=idp_metadata(BASE, config, idp),
    )
