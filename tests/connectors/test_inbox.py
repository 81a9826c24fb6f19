# SPDX-License-Identifier: EUPL-1.2
"""The inbox adapters of the systems that deliver documents (connectors/inbox.py)."""

from __future__ import annotations

from dataclasses import astuple

from connectors.systems.depp.inbox import DeppInbox
from connectors.systems.div.inbox import DivInbox
from pkip.platform import Platform


def test_polling_names_are_not_operators_diagrams_can_call(
    committed: Platform,
) -> None:
    for inbox in (DeppInbox, DivInbox):
        for name in astuple(inbox.operations):
            assert name.startswith(f"{inbox.channel}.")
            assert not committed.connectors.has_operator(name)
