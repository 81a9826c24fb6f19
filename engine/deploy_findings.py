# SPDX-License-Identifier: EUPL-1.2
"""A finding of the import lint (engine/deploy_lint.py): one element, one reason in
Latvian and English, and whether it stops a deploy or is only a warning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree


@dataclass(frozen=True)
class Finding:
    element_id: str
    element_name: str
    element_type: str  # the BPMN element's local name: userTask, sequenceFlow, …
    code: str  # stable across languages: unnamed_user_task, data_store, …
    reason: str  # Latvian
    reason_en: str
    blocking: bool


def finding(
    node: Any, code: str, reason: str, reason_en: str, *, blocking: bool = True
) -> Finding:
    """A finding on ``node`` (its id, name and type are read from it)."""
    return Finding(
        element_id=str(node.get("id", "")),
        element_name=str(node.get("name") or "").strip(),
        element_type=etree.QName(node).localname,
        code=code,
        reason=reason,
        reason_en=reason_en,
        blocking=blocking,
    )
