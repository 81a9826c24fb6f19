# SPDX-License-Identifier: EUPL-1.2
"""The innermost room: settings and the database base. Imports nothing of ours."""
