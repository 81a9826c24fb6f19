# SPDX-License-Identifier: EUPL-1.2
"""The residents' and companies' e-services portal (issue 12): Flask-free services
over cases, accounting and documents for one signed-in resident. See
docs/portal.md.

from domain import portal
resident = portal.Resident("161175-19997", "Jānis Bērziņš")
portal.my_cases(session, vault, "RIGA", resident) -> [ServiceCase]
portal.apply(engine, session, process, code="RIGA", resident=resident, data={...},
             token=token) -> ServiceCase
portal.messages.write(session, case, sender=portal.messages.CLIENT, author=None,
                      body="...", now=now)
"""

from domain.portal import messages, services
from domain.portal.models import (
    PortalMessage,
    PortalSignIn,
    PortalSubmission,
    PortalUpload,
)
from domain.portal.services import (
    MAX_UPLOADS_PER_CASE,
    PORTAL_ACTOR,
    SYSTEM_FIELDS,
    CaseSummary,
    Resident,
    applicant_schema,
    apply,
    begin_sign_in,
    catalogue,
    clean_filename,
    consume,
    forget_old_sign_ins,
    get_upload,
    municipality,
    my_case,
    my_cases,
    offer,
    outstanding,
    service,
    submitted_case,
    summaries,
    summary,
    upload,
    uploads,
)

__all__ = [
    "MAX_UPLOADS_PER_CASE",
    "PORTAL_ACTOR",
    "SYSTEM_FIELDS",
    "CaseSummary",
    "PortalMessage",
    "PortalSignIn",
    "PortalSubmission",
    "PortalUpload",
    "Resident",
    "applicant_schema",
    "apply",
    "begin_sign_in",
    "catalogue",
    "clean_filename",
    "consume",
    "forget_old_sign_ins",
    "get_upload",
    "messages",
    "services",
    "municipality",
    "my_case",
    "my_cases",
    "offer",
    "outstanding",
    "service",
    "submitted_case",
    "summaries",
    "summary",
    "upload",
    "uploads",
]
