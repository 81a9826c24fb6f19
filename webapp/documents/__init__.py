# SPDX-License-Identifier: EUPL-1.2
"""Issued documents (blueprint ``documents``): download a case's PDF, the print queue
of paper results, and the analysts' template editor with a PDF preview."""

from webapp.documents.views import bp

__all__ = ["bp"]
