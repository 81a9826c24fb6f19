# SPDX-License-Identifier: EUPL-1.2
"""The DEPP simulator's pages (Latvian): a person sends a letter to an institution's
e-address and sees what institutions sent to residents, with the files.

* ``GET /`` — the "send a letter" form (sender's personal code or registration
  number, the institution's e-address, kind, subject, text, files) and two lists:
  letters sent to institutions here (and whether the institution has taken them
  from its inbox) and what residents received (a municipality's results), each
  file downloadable. Personal codes are masked.
* ``POST /letters`` — checks the letter against the same contract as SendMessage
  (``contract.OutgoingMessage.checked``); the text becomes a PDF (WeasyPrint,
  DejaVu Sans, so Latvian letters come out right). A field error answers 422 with
  the form kept and the field named; success redirects (303) to the page.
* ``GET /messages/<id>/<n>`` — the n-th file of a message, as a download.

Simulator only (mounted under /sim/depp/ outside production), but it still
escapes everything it shows and never names a personal code in a URL.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from html import escape
from typing import Any, Protocol
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from connectors.systems.depp import contract as env
from core.calendar import RIGA, WorkingCalendar


class DeppSimulator(Protocol):
    """What the pages need of ``simulator.DeppSimulator`` (a protocol: the
    simulator imports this module)."""

    store: Any
    sent_here: set[str]
    calendar: WorkingCalendar
    max_request_bytes: int

    @property
    def received_total(self) -> int: ...

    @property
    def unique(self) -> int: ...

    @property
    def duplicates(self) -> int: ...

    def institution_addresses(self) -> set[str]: ...

    def deliver(
        self,
        sender: str,
        recipient: str | tuple[str, ...],
        *,
        document_kind: str,
        title: str,
        attachments: tuple[env.Attachment, ...],
    ) -> Any: ...

    def send_letter(self, message: Any) -> None: ...


StoredMessage = Any

FIELD_LABELS = {
    "sender": "Sūtītājs",
    "identifier": "Sūtītājs",
    "recipient": "Adresāts",
    "recipients": "Adresāts",
    "document_kind": "Dokumenta veids",
    "title": "Temats",
    "attachments": "Pielikumi",
    "body": "Vēstules teksts",
}
_MESSAGE_PATH = re.compile(r"^/messages/([A-Za-z0-9._:\-]{1,128})/(\d{1,2})$")
MAX_BODY = 20_000


def route(sim: DeppSimulator, request: Request) -> Response | None:
    """The page's response, or None for the SOAP service (POST elsewhere)."""
    path = request.path or "/"
    if request.method == "GET":
        found = _MESSAGE_PATH.match(path)
        if found:
            return _download(sim, found.group(1), int(found.group(2)))
        sent = request.args.get("nosutits", "")
        return _html(page(sim, base=request.script_root, sent=sent))
    if request.method == "POST" and path == "/letters":
        try:
            return _send(sim, request)
        finally:
            request.close()  # the uploaded files' temporary files
    return None


def _html(text: str, status: int = 200) -> Response:
    return Response(text, status=status, content_type="text/html; charset=utf-8")


def _download(sim: DeppSimulator, item_id: str, index: int) -> Response:
    for message in sim.store.items():
        if message.item_id == item_id and 0 <= index < len(message.attachments):
            attachment = message.attachments[index]
            name = quote(attachment.name)
            return Response(
                attachment.content,
                mimetype=attachment.mime,
                headers={
                    "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
                    "X-Content-Type-Options": "nosniff",
                    "Cache-Control": "no-store",
                },
            )
    return Response("Nav atrasts", status=404, mimetype="text/plain")


# -- sending ----------------------------------------------------------------------
def _send(sim: DeppSimulator, request: Request) -> Response:
    request.max_content_length = sim.max_request_bytes
    form = {k: request.form.get(k, "") for k in ("sender", "recipient", "title")}
    form["document_kind"] = request.form.get("document_kind", "Iesniegums")
    form["body"] = request.form.get("body", "")[: MAX_BODY + 1]
    try:
        message = _letter(form, request)
    except env.EnvelopeError as exc:
        label = FIELD_LABELS.get(exc.field, exc.field)
        error = f"{label}: {exc.reason}"
        return _html(
            page(sim, base=request.script_root, error=error, form=form), status=422
        )
    stored = sim.deliver(
        message.sender,
        message.recipients,
        document_kind=message.document_kind,
        title=message.title,
        attachments=message.attachments,
    )
    sim.send_letter(stored)
    target = f"{request.script_root}/?nosutits={quote(stored.item_id)}"
    return Response("", status=303, headers={"Location": target})


def _letter(form: Mapping[str, str], request: Request) -> env.OutgoingMessage:
    sender = form["sender"].strip()
    address = (
        env.normalize_eaddress(sender, "sender")
        if sender.startswith("_")
        else env.eaddress_for(sender)
    )
    recipient = form["recipient"].strip()
    if not recipient:
        raise env.EnvelopeError("recipient", "norādiet iestādes e-adresi")
    if len(form["body"]) > MAX_BODY:
        raise env.EnvelopeError("body", f"ne garāks par {MAX_BODY} rakstzīmēm")
    attachments: list[env.Attachment] = []
    if form["body"].strip():
        attachments.append(
            env.Attachment(
                "vestule.pdf", env.PDF, letter_pdf(form["title"], form["body"])
            )
        )
    for upload in request.files.getlist("files"):
        if not upload or not upload.filename:
            continue
        name = upload.filename
        mime = env.PDF if name.lower().endswith(".pdf") else env.ASICE
        attachments.append(env.Attachment(name, mime, upload.read()))
    if not attachments:
        raise env.EnvelopeError(
            "attachments", "uzrakstiet vēstules tekstu vai pievienojiet failu"
        )
    return env.OutgoingMessage(
        sender=address,
        recipients=(recipient,),
        document_kind=form["document_kind"],
        title=form["title"],
        client_message_id=uuid.uuid4().hex,
        attachments=tuple(attachments),
    ).checked()


def letter_pdf(title: str, body: str) -> bytes:
    """The letter's text as a one-column PDF (DejaVu Sans: every Latvian letter)."""
    from weasyprint import HTML  # heavy: only when a letter is written

    paragraphs = "".join(
        f"<p>{escape(p)}</p>" for p in body.replace("\r\n", "\n").split("\n") if p
    )
    html = (
        '<html lang="lv"><head><meta charset="utf-8"><style>'
        'body{font-family:"DejaVu Sans";font-size:11pt}</style></head>'
        f"<body><h1>{escape(title)}</h1>{paragraphs}</body></html>"
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


# -- the page ----------------------------------------------------------------------
def page(
    sim: DeppSimulator,
    *,
    base: str = "",
    error: str = "",
    sent: str = "",
    form: Mapping[str, str] | None = None,
) -> str:
    form = dict(form or {})
    institutions = sorted(sim.institution_addresses())
    form.setdefault("recipient", institutions[0] if institutions else "")
    notice = ""
    if error:
        notice = f'<p class="error" role="alert" id="send-error">{escape(error)}</p>'
    elif sent:
        notice = '<p role="status" id="send-ok">Vēstule nosūtīta.</p>'
    return (
        '<!doctype html><html lang="lv"><head><meta charset="utf-8">'
        "<title>E-adrese — DEPP simulators</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:.3em .6em;text-align:left}label{display:block;margin-top:.6em}"
        "input[type=text],textarea,select{width:30em}.error{color:#a00}</style>"
        "</head><body><h1>E-adrese (DEPP simulators)</h1>"
        f"{notice}{_form(base, form, institutions)}"
        f"{_to_institutions(sim, base)}{_to_residents(sim, base)}"
        f"<p>Saņemti sūtījumi: {sim.received_total}; unikāli: {sim.unique};"
        f" atkārtoti (dublikāti): {sim.duplicates}.</p></body></html>"
    )


def _form(base: str, form: Mapping[str, str], institutions: list[str]) -> str:
    def value(name: str) -> str:
        return escape(form.get(name, ""), quote=True)

    kinds = "".join(
        f"<option{' selected' if k == form.get('document_kind', 'Iesniegums') else ''}>"
        f"{escape(k)}</option>"
        for k in env.DOCUMENT_KINDS
    )
    options = "".join(f'<option value="{escape(a, quote=True)}">' for a in institutions)
    return (
        "<h2>Nosūtīt vēstuli uz iestādes e-adresi</h2>"
        f'<form method="post" action="{escape(base, quote=True)}/letters"'
        ' enctype="multipart/form-data" id="send-letter">'
        '<label for="sender">Sūtītāja personas kods vai reģistrācijas numurs</label>'
        '<input type="text" id="sender" name="sender" required'
        f' value="{value("sender")}" autocomplete="off">'
        '<label for="recipient">Adresāts (iestādes e-adrese)</label>'
        f'<input type="text" id="recipient" name="recipient" list="institutions"'
        f' required value="{value("recipient")}">'
        f'<datalist id="institutions">{options}</datalist>'
        f'<label for="document_kind">Dokumenta veids</label>'
        f'<select id="document_kind" name="document_kind">{kinds}</select>'
        '<label for="title">Temats</label>'
        '<input type="text" id="title" name="title" required'
        f' maxlength="{env.MAX_TITLE}" value="{value("title")}">'
        '<label for="body">Vēstules teksts</label>'
        '<textarea id="body" name="body" rows="6">'
        f"{escape(form.get('body', ''))}</textarea>"
        '<label for="files">Pielikumi (PDF vai .edoc, līdz 10 MiB katrs)</label>'
        '<input type="file" id="files" name="files" multiple'
        ' accept=".pdf,.edoc,.asice,.sce">'
        '<p><button type="submit">Nosūtīt</button></p></form>'
    )


def _files(base: str, message: StoredMessage) -> str:
    return ", ".join(
        f'<a href="{escape(base, quote=True)}/messages/{quote(message.item_id)}/{n}">'
        f"{escape(a.name)}</a>"
        for n, a in enumerate(message.attachments)
    )


def _to_institutions(sim: DeppSimulator, base: str) -> str:
    letters = [m for m in sim.store.items() if m.item_id in sim.sent_here]
    letters.sort(key=lambda m: m.sent_at, reverse=True)
    if not letters:
        return "<h2>Nosūtītās vēstules</h2><p>No šīs lapas vēl nekas nav nosūtīts.</p>"
    rows = []
    for m in letters:
        taken = sim.store.confirmed_by(m.item_id)
        state = (
            "saņemta " + max(taken.values()).astimezone(RIGA).strftime("%d.%m.%Y %H:%M")
            if taken
            else "vēl nav saņemta"
        )
        rows.append(
            "<tr>"
            f"<td>{escape(env.mask_eaddress(m.sender))}</td>"
            f"<td>{escape(', '.join(m.recipients))}</td>"
            f"<td>{escape(m.title)}</td>"
            f"<td>{m.sent_at.astimezone(RIGA):%d.%m.%Y %H:%M}</td>"
            f"<td>{state}</td><td>{_files(base, m)}</td></tr>"
        )
    return (
        "<h2>Nosūtītās vēstules</h2>"
        '<table id="letters-sent"><thead><tr><th>Sūtītājs</th><th>Adresāts</th>'
        "<th>Temats</th><th>Nosūtīta</th><th>Iestādē</th><th>Pielikumi</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _to_residents(sim: DeppSimulator, base: str) -> str:
    messages = [m for m in sim.store.items() if any(map(env.is_private, m.recipients))]
    messages = [m for m in messages if m.item_id not in sim.sent_here]
    messages.sort(key=lambda m: m.sent_at, reverse=True)
    rows = []
    for m in messages:
        delivered = env.delivered_on(m.sent_at, sim.calendar)
        for r in filter(env.is_private, m.recipients):
            rows.append(
                "<tr>"
                f"<td>{escape(env.mask_eaddress(m.sender))}</td>"
                f"<td>{escape(env.mask_eaddress(r))}</td>"
                f"<td>{escape(m.document_kind)}</td>"
                f"<td>{escape(m.title)}</td>"
                f"<td>{m.sent_at.astimezone(RIGA):%d.%m.%Y %H:%M}</td>"
                f"<td>{delivered:%d.%m.%Y}</td>"
                f"<td>{_files(base, m)}</td></tr>"
            )
    if not rows:
        return (
            "<h2>E-adreses pastkastīte: ko saņēmuši iedzīvotāji</h2>"
            "<p>Iedzīvotāju e-adresēs vēl nekas nav saņemts.</p>"
        )
    return (
        "<h2>E-adreses pastkastīte: ko saņēmuši iedzīvotāji</h2>"
        "<p>Ko iestādes nosūtījušas iedzīvotājiem (piemēram, lēmumus). Personas kodi"
        " ir maskēti.</p>"
        '<table id="resident-mail"><thead><tr><th>Sūtītājs</th><th>Adresāts</th>'
        "<th>Dokumenta veids</th><th>Nosaukums</th><th>Nosūtīts</th>"
        "<th>Uzskatāms par paziņotu</th><th>Pielikumi</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
