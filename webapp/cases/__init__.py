# SPDX-License-Identifier: EUPL-1.2
"""Case pages (blueprint ``cases``): ``cases.index`` at /cases/, ``cases.show`` at
/cases/<number>, documents and the incident retry."""

from webapp.cases.views import bp

__all__ = ["bp"]
