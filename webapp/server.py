# SPDX-License-Identifier: EUPL-1.2
"""Serving the web app.

One process (``PKIP_WEB_WORKERS=1``, the embedded default): werkzeug's threaded
server, with the in-process job loop beside it — never in production, which always
runs gunicorn, even with one process (``needs_gunicorn``). Several processes: gunicorn's
arbiter with that many worker processes of ``PKIP_WEB_THREADS`` threads each
(``gthread``: keep-alive connections, a slow client holds a thread, not a process).
Python runs one thread at a time per process, so on a machine with N cores only N
or more processes use them all. Each worker builds its own app and database pool
after the fork; jobs then run on Celery (``PKIP_BROKER_URL``), not in every worker.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from core.settings import Settings


class GunicornServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options: dict[str, Any] = {
            "bind": f"{s.host}:{s.port}",
            "workers": s.web_workers,
            "worker_class": "gthread",
            "threads": s.web_threads,
            "keepalive": 5,
            "timeout": 60,
            "graceful_timeout": 30,
            "proc_name": "pkip-web",
            "loglevel": s.log_level.lower(),
            "accesslog": None,  # request lines stay out of the logs
            "errorlog": "-",
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from webapp import create_app

        return create_app(self.settings)


def needs_gunicorn(settings: Settings) -> bool:
    """Several processes, or production (even one process): werkzeug's server is
    a development server, and production never runs on it."""
    return settings.web_workers > 1 or settings.env == "production"


def serve_multiprocess(settings: Settings) -> None:
    """Run gunicorn in this process until it is stopped (SIGTERM/SIGINT)."""
    GunicornServer(settings).run()
