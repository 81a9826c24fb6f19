# SPDX-License-Identifier: EUPL-1.2
"""Start a service case (blueprint ``start``): ``start.index`` at /start/ and the
start form ``start.form`` at /start/<process key>."""

from webapp.start.views import bp

__all__ = ["bp"]
