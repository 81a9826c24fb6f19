# SPDX-License-Identifier: EUPL-1.2
"""The auditor's pages over the central audit chain (domain/audit): search by
person, case, system, action and period, and the CSV export. ``trail`` is what the
web room writes to the chain."""
