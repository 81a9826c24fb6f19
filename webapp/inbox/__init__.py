# SPDX-License-Identifier: EUPL-1.2
"""The inbox and the task page (blueprint ``inbox``): ``inbox.index`` at /inbox/,
``inbox.task`` at /tasks/<id>, and the task actions (claim, unclaim, assign)."""

from webapp.inbox import task as _task  # noqa: F401 - registers the task page
from webapp.inbox.views import bp

__all__ = ["bp"]
