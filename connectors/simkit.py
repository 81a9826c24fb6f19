# SPDX-License-Identifier: EUPL-1.2
"""What every simulator of an outside system needs, written once.

Fault injection (``FaultPlan``, the one plan of every simulator, REST and SOAP),
deduplication of commands by idempotency key (``IdempotencyLedger``), personal codes
masked for display, a small Latvian HTML page, RFC 9457 problem replies, and a
loopback HTTP server for tests that need a real socket. The SOAP simulators' wire
side is ``connectors.soapkit``.

Fault semantics of the REST simulators (PSPP, payments, DVS, finance; ``with_faults``):

* ``http500`` — the request is refused before it is processed (5xx, or a SOAP fault);
* ``timeout`` — the request **is processed**, then the reply is held back for
  ``stall_seconds`` and finally a 504 is sent: over a socket the client's own timeout
  fires first, in process (where nothing can time out) the 504 arrives. Either way
  the sender cannot know whether the command took effect — exactly the case the
  idempotency key exists for;
* ``malformed`` — the request is processed and the reply is garbage.

The SOAP simulators add kinds of their own wire (``soap_fault``, ``xml_bomb``,
``truncated``, ``rejected``), documented beside them.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, RequestRedirect
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from connectors.transport import WSGIApp

FAULTS = ("timeout", "http500", "malformed")
ANY = "*"  # a fault injected for any operation
T = TypeVar("T")


@dataclass(frozen=True)
class Fault:
    """One injected failure, as a simulator takes it from the plan.

    ``delay`` is how long a ``timeout`` holds the reply (the plan's ``stall_seconds``
    when None); ``after_processing`` and ``code`` are for the simulators that read
    them (the SOAP 1.2 ones: serve the failure after the request took effect, and
    the code of an injected SOAP fault).
    """

    kind: str
    operation: str
    delay: float | None = None
    after_processing: bool = False
    code: str = "Unavailable"


class FaultPlan:
    """The failures every simulator serves on demand: one plan, one set of rules.

    Faults are queued per operation (or for :data:`ANY`) in the order injected; the
    next call of an operation takes the first queued for it, else the first queued
    for any operation. Taken under a lock, so tests may inject while other threads
    call. A simulator decides what each kind looks like on its wire.
    """

    def __init__(
        self,
        operations: Iterable[str] | None = None,
        stall_seconds: float = 2.0,
        *,
        kinds: Iterable[str] = FAULTS,
        codes: Iterable[str] = ("Unavailable",),
    ) -> None:
        self.operations = None if operations is None else frozenset(operations)
        self.kinds = tuple(kinds)
        self.codes = frozenset(codes)
        self.stall_seconds = stall_seconds
        self.served: Counter[str] = Counter()
        self._queued: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()

    def inject(
        self,
        operation: str,
        fault: str,
        count: int = 1,
        *,
        delay: float | None = None,
        after_processing: bool = False,
        code: str = "Unavailable",
    ) -> None:
        """The next ``count`` calls of ``operation`` (or of any, :data:`ANY`) fail
        the way ``fault`` says."""
        if self.operations is not None and operation not in (self.operations | {ANY}):
            known = ", ".join(sorted(self.operations))
            raise ValueError(f"unknown operation {operation!r} (known: {known})")
        if fault not in self.kinds:
            raise ValueError(
                f"unknown fault {fault!r} (known: {', '.join(self.kinds)})"
            )
        if code not in self.codes:
            raise ValueError(f"unknown fault code {code!r}")
        if count < 1:
            raise ValueError("count must be at least 1")
        planned = Fault(fault, operation, delay, after_processing, code)
        with self._lock:
            self._queued.setdefault(operation, deque()).extend([planned] * count)
            self._released.clear()

    def take(self, operation: str) -> Fault | None:
        """The fault for this call of ``operation``, if one is queued."""
        with self._lock:
            for key in (operation, ANY):
                queue = self._queued.get(key)
                if queue:
                    fault = queue.popleft()
                    self.served[fault.kind] += 1
                    return fault
        return None

    def pending(self) -> dict[str, list[str]]:
        """Faults injected and not yet served, per operation."""
        with self._lock:
            return {
                op: [f.kind for f in queue]
                for op, queue in self._queued.items()
                if queue
            }

    def stall(self, fault: Fault | None = None) -> None:
        """Hold a reply back for the fault's delay (``release()`` or ``clear()``
        lets every held reply go at once)."""
        delay = fault.delay if fault is not None else None
        self._released.wait(self.stall_seconds if delay is None else delay)

    def release(self) -> None:
        self._released.set()

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()
        self.release()


class IdempotencyConflict(Exception):
    """The same idempotency key came with a different request."""


@dataclass
class _Entry:
    fingerprint: str
    value: Any


class IdempotencyLedger:
    """Remembers each command's reply by (operation, idempotency key).

    A repeat with the same key gets the first reply and changes nothing. Counters:
    ``received_total`` = ``unique`` + ``duplicates`` + ``refused`` (a refused command
    — invalid, rejected — is not remembered, so it may be sent again once fixed).
    """

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self.lock = lock or threading.RLock()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self.received_total = 0
        self.duplicates = 0
        self.refused = 0
        self._received: dict[str, int] = {}

    @property
    def unique(self) -> int:
        return len(self._entries)

    def received(self, operation: str) -> int:
        """How many requests of one operation reached processing."""
        return self._received.get(operation, 0)

    def run(
        self, operation: str, key: str, fingerprint: str, action: Callable[[], T]
    ) -> tuple[T, bool]:
        """Run ``action`` once per key; returns (its value, whether it was a repeat)."""
        with self.lock:
            self.received_total += 1
            self._received[operation] = self._received.get(operation, 0) + 1
            entry = self._entries.get((operation, key))
            if entry is not None:
                if entry.fingerprint != fingerprint:
                    self.refused += 1
                    raise IdempotencyConflict(operation)
                self.duplicates += 1
                value: T = entry.value
                return value, True
            try:
                value = action()
            except Exception:
                self.refused += 1
                raise
            self._entries[(operation, key)] = _Entry(fingerprint, value)
            return value, False

    def clear(self) -> None:
        with self.lock:
            self._entries.clear()
            self._received.clear()
            self.received_total = self.duplicates = self.refused = 0


class Counted:
    """Mixin: a simulator's command counters, read by tests (``sim.duplicates``)."""

    ledger: IdempotencyLedger

    @property
    def received_total(self) -> int:
        return self.ledger.received_total

    @property
    def unique(self) -> int:
        return self.ledger.unique

    @property
    def duplicates(self) -> int:
        return self.ledger.duplicates


def fingerprint(*parts: Any) -> str:
    """A stable digest of a request (path and body) to tell a repeat from a reuse."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def mask_personas_kods(code: str) -> str:
    """``161175-19997`` → ``16****-****7``: enough to tell demo people apart."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) != 11:
        return "***********"
    return f"{digits[:2]}****-****{digits[-1]}"


# -- replies --------------------------------------------------------------------------


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False)
    return Response(body, status=status, content_type="application/json")


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: Sequence[dict[str, str]] | None = None,
) -> Response:
    """An RFC 9457 problem reply; ``errors`` name fields as ``{"path", "message"}``."""
    data: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        data["detail"] = detail
    if errors:
        data["errors"] = list(errors)
    body = json.dumps(data, ensure_ascii=False)
    return Response(body, status=status, content_type="application/problem+json")


MALFORMED_JSON = b'{"rezultats": [1, 2'


def with_faults(
    plan: FaultPlan, operation: str, handler: Callable[[], Response]
) -> Response:
    """Run a JSON handler under the plan's next fault for ``operation``."""
    fault = plan.take(operation)
    kind = fault.kind if fault is not None else None
    if kind == "http500":
        return problem(500, "Iekšēja servera kļūda (simulēta)")
    response = handler()
    if kind == "timeout":
        plan.stall(fault)
        return problem(504, "Atbilde netika sagatavota laikā (simulēta)")
    if kind == "malformed":
        return Response(MALFORMED_JSON, status=200, content_type="application/json")
    return response


def dispatch(
    owner: object,
    urls: Map,
    request_class: type[Request],
    environ: dict[str, Any],
    start_response: Any,
) -> Iterable[bytes]:
    """Route a WSGI call to ``owner._on_<endpoint>(request, **args)``.

    A missing trailing slash (``/sim/pspp`` for the page) redirects; other routing
    failures are problem replies.
    """
    request = request_class(environ)
    try:
        endpoint, args = urls.bind_to_environ(environ).match()
        response = getattr(owner, f"_on_{endpoint}")(request, **args)
    except RequestRedirect as redirect:
        response = redirect.get_response(environ)
    except HTTPException as exc:
        response = problem(exc.code or 500, exc.name)
    result: Iterable[bytes] = response(environ, start_response)
    return result


def read_json(raw: bytes) -> Any:
    """The request body as JSON; ValueError when it is not JSON."""
    return json.loads(raw.decode("utf-8"))


# -- the page -------------------------------------------------------------------------


class Raw(str):
    """A table cell that is already HTML (built by the simulator, never user text)."""


_STYLE = (
    "body{font-family:'DejaVu Sans',sans-serif;margin:2rem;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0}"
    "td,th{border:1px solid #bbb;padding:.3rem .6rem;text-align:left;"
    "vertical-align:top}th{background:#eee}.muted{color:#666}"
)


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    empty: str = "Nekas nav saņemts.",
) -> str:
    def cell(value: object) -> str:
        if isinstance(value, Raw):
            return str(value)
        return html.escape("" if value is None else str(value))

    body = "".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    if not body:
        return f'<p class="muted">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_page(title: str, *sections: str) -> Response:
    """A Latvian page: the title, a note that this is a simulator, the sections."""
    page = (
        '<!doctype html><html lang="lv"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        '<p class="muted">Simulators: ārējās sistēmas aizvietotājs demonstrācijai un'
        " testiem. Personas kodi ir maskēti.</p>" + "".join(sections) + "</body></html>"
    )
    return Response(page, content_type="text/html; charset=utf-8")


def heading(text: str) -> str:
    return f"<h2>{html.escape(text)}</h2>"


# -- a real socket ---------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Request lines can carry identifiers; a simulator logs nothing.
        pass


@contextmanager
def serve(app: WSGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields its base URL."""
    server = make_server(host, 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
