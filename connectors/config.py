# SPDX-License-Identifier: EUPL-1.2
"""Per-system, per-municipality connector settings from the environment.

Every outside system is *simulated* unless configured otherwise. For a system NAME
(upper case: DEPP, PSPP, VISS, UR, PMLP, …) these variables apply, and each may be
given for one municipality by inserting ``__<CODE>`` after the system name
(``PKIP_DEPP__RIGA_URL``), which wins over the general one:

| variable | meaning |
| --- | --- |
| ``PKIP_<NAME>_MODE`` | ``simulated`` (default) or ``live`` |
| ``PKIP_<NAME>_URL`` | endpoint of the live system |
| ``PKIP_<NAME>_USERNAME``, ``…_PASSWORD`` | credentials, if the system uses them |
| ``PKIP_<NAME>_CLIENT_CERT``, ``…_CLIENT_KEY`` | mTLS client certificate and key |
| ``PKIP_<NAME>_CA_BUNDLE`` | CA bundle (path) to verify the server |
| ``PKIP_<NAME>_TIMEOUT`` | seconds per call (default 10) |

``PKIP_CONNECTORS_MODE`` sets the default mode of every system. Secrets come only from
the environment; they are never logged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from connectors.transport import WSGIApp, in_process_session

SIMULATED = "simulated"
LIVE = "live"

# zeep writes whole SOAP envelopes — personal codes included — to its transport
# logger at DEBUG; PKIP's logs never carry personal data, whatever the log level.
logging.getLogger("zeep.transports").setLevel(logging.INFO)
logging.getLogger("zeep.wsdl.bindings.soap").setLevel(logging.INFO)


class ConnectorConfigError(ValueError):
    """A connector setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class SystemConfig:
    system: str
    mode: str = SIMULATED
    url: str | None = None
    username: str | None = None
    password: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    ca_bundle: str | None = None
    timeout: float = 10.0

    @property
    def simulated(self) -> bool:
        return self.mode == SIMULATED

    @property
    def base_url(self) -> str:
        """Where the client sends requests (a private host name when simulated)."""
        if self.simulated:
            return f"http://{self.system.lower()}.sim.pkip"
        assert self.url is not None
        return self.url.rstrip("/")


def system_config(
    system: str,
    municipality: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> SystemConfig:
    env = os.environ if environ is None else environ
    name = system.upper()

    def get(key: str) -> str | None:
        if municipality:
            value = env.get(f"PKIP_{name}__{municipality.upper()}_{key}")
            if value:
                return value
        return env.get(f"PKIP_{name}_{key}") or None

    mode = get("MODE") or env.get("PKIP_CONNECTORS_MODE") or SIMULATED
    if mode not in (SIMULATED, LIVE):
        raise ConnectorConfigError(f"PKIP_{name}_MODE: simulated or live, not {mode!r}")
    url = get("URL")
    if mode == LIVE and not url:
        raise ConnectorConfigError(f"PKIP_{name}_URL: needed when {name} is live")
    raw_timeout = get("TIMEOUT")
    try:
        timeout = float(raw_timeout) if raw_timeout else 10.0
    except ValueError as exc:
        raise ConnectorConfigError(f"PKIP_{name}_TIMEOUT: not a number") from exc
    return SystemConfig(
        system=name,
        mode=mode,
        url=url,
        username=get("USERNAME"),
        password=get("PASSWORD"),
        client_cert=get("CLIENT_CERT"),
        client_key=get("CLIENT_KEY"),
        ca_bundle=get("CA_BUNDLE"),
        timeout=timeout,
    )


def listing_config(system: str) -> SystemConfig:
    """The system's settings for listing its operators at start-up.

    A misconfigured system is listed as live rather than stopping the whole registry;
    every call to it then fails with the setting that is missing or wrong.
    """
    try:
        return system_config(system)
    except ConnectorConfigError:
        return SystemConfig(system=system.upper(), mode=LIVE)


def http_session(config: SystemConfig, simulator: WSGIApp) -> requests.Session:
    """A session for the system: to its simulator in-process, or to the live
    endpoint with the client certificate and CA bundle configured."""
    if config.simulated:
        return in_process_session(config.base_url, simulator)
    session = requests.Session()
    # The environment's proxies and CA bundle are read once, here: with trust_env
    # requests scans every variable and looks for ~/.netrc on each call, which cost
    # more CPU than the SOAP call itself. Credentials come from settings, not netrc.
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(config.base_url))
    env_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get(
        "CURL_CA_BUNDLE"
    )
    if env_bundle:
        session.verify = env_bundle
    if config.client_cert:
        cert: Any = (
            (config.client_cert, config.client_key)
            if config.client_key
            else config.client_cert
        )
        session.cert = cert
    if config.ca_bundle:
        session.verify = config.ca_bundle
    if config.username and config.password:
        session.auth = (config.username, config.password)
    return session
