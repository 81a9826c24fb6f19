# SPDX-License-Identifier: EUPL-1.2
"""The intake queue ("Ienākošie") in the workplace: ``views`` the list, the item page
and its actions; ``desk`` paper registration, the VPVKAC application and the routing
rules."""

from webapp.intake import desk as _desk  # noqa: F401  (registers its views on bp)
from webapp.intake.views import bp

__all__ = ["bp"]
