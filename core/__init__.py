# SPDX-License-Identifier: EUPL-1.2
"""The innermost room: settings, the database base, the contracts every room shares
(``contracts``) and the Latvian working-day calendar (``calendar``).

Imports nothing of ours.
"""
