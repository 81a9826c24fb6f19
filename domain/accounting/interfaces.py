# SPDX-License-Identifier: EUPL-1.2
"""What case accounting needs of a service case (``domain.cases.ServiceCase`` is
one); a protocol, so that accounting does not import the cases package, which calls
it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class AccountedCase(Protocol):
    id: int
    number: str
    municipality: str
    instance_id: str
    process_name: str
    service_code: str | None
    channel: str
    status: str
    created_at: datetime
