# SPDX-License-Identifier: EUPL-1.2
"""The ``pkip`` command line: set up, deploy, inspect, run a worker, try a diagram."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from core.settings import Settings, SettingsError, settings_table
from webapp.cli_common import platform_of


def _json_arg(value: str | None, what: str) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{what} is not valid JSON: {exc.msg}") from exc


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """PKIP — the process platform for Latvian municipalities."""
    try:
        ctx.obj = {"settings": Settings.from_env()}
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("config")
def config_cmd() -> None:
    """Print every PKIP_* setting with its default and meaning (Markdown)."""
    click.echo(settings_table())


# -- database and set-up ---------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply every Alembic migration up to head."""
    platform_of(ctx).migrate()
    click.echo("database at head")


@main.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--municipality", help="Deploy as this municipality's variant (default: base)."
)
@click.option(
    "--by", "deployed_by", default="cli", show_default=True, help="Who deploys."
)
@click.pass_context
def deploy(
    ctx: click.Context,
    paths: tuple[Path, ...],
    municipality: str | None,
    deployed_by: str,
) -> None:
    """Deploy BPMN/DMN files or folders (all or nothing)."""
    from engine.deploy import DeployError

    try:
        results = platform_of(ctx).deploy(
            list(paths), municipality=municipality, deployed_by=deployed_by
        )
    except DeployError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    for result in results:
        d = result.definition
        state = "deployed" if result.created else "unchanged"
        click.echo(f"{state}: {d.key} v{d.version} ({d.municipality or 'base'})")


@main.command()
@click.pass_context
def setup(ctx: click.Context) -> None:
    """Migrate, deploy processes/bpmn and seed the demo municipality (idempotent)."""
    platform = platform_of(ctx)
    platform.migrate()
    municipality = platform.seed_demo()
    ctx.invoke(
        deploy,
        paths=(Path(platform.settings.process_dir),),
        municipality=None,
        deployed_by="setup",
    )
    click.echo(f"demo municipality: {municipality.name} ({municipality.code})")
    click.echo("(pkip serve lists the demo users and their password as it starts)")


def _echo_demo_users(platform: Any) -> None:
    """The demo users that exist, and their password (never in production): the
    last lines `make run` prints before the server's own, beside the address."""
    if platform.settings.env == "production":
        return
    from domain.accounts.services import DEMO_PASSWORD, DEMO_USERS, find_user

    with platform.transaction(readonly=True) as session:
        seeded = [u for u in DEMO_USERS if find_user(session, u.username) is not None]
    if not seeded:
        return
    click.echo(f"demo users (password for all: {DEMO_PASSWORD}):")
    for u in seeded:
        roles, groups = ", ".join(u.roles), ", ".join(u.departments) or "-"
        click.echo(f"  {u.username:<12} {u.full_name:<22} {roles:<19} {groups}")


@main.command()
@click.option(
    "--jobs/--no-jobs", default=True, help="Run timers in-process (embedded mode)."
)
@click.pass_context
def serve(ctx: click.Context, jobs: bool) -> None:
    """Start the web app: one threaded process with the in-process job loop, or
    gunicorn with PKIP_WEB_WORKERS processes (jobs on Celery). In production
    always gunicorn, even with one process: never werkzeug's development server."""
    settings: Settings = ctx.obj["settings"]
    from webapp.server import needs_gunicorn

    if needs_gunicorn(settings):
        if jobs and not settings.broker_url:
            raise click.ClickException(
                "PKIP_WEB_WORKERS > 1 starts several processes, and in-process jobs "
                "would run in each; PKIP_ENV=production runs jobs on Celery workers: "
                "set PKIP_BROKER_URL (jobs on Celery workers) or serve --no-jobs"
            )
        from webapp.server import serve_multiprocess

        click.echo(
            f"PKIP: http://{settings.host}:{settings.port}/ "
            f"({settings.web_workers} processes x {settings.web_threads} threads)"
        )
        serve_multiprocess(settings)
        return
    from webapp import create_app

    platform = platform_of(ctx)
    app = create_app(platform=platform, start_jobs=jobs)
    _echo_demo_users(platform)
    click.echo(f"PKIP: http://{settings.host}:{settings.port}/")
    app.run(host=settings.host, port=settings.port, threaded=True, use_reloader=False)


@main.command()
@click.option("--concurrency", default=2, show_default=True)
@click.option("--beat/--no-beat", default=True, help="Embed the beat scheduler.")
@click.pass_context
def worker(ctx: click.Context, concurrency: int, beat: bool) -> None:
    """Run a Celery worker (needs PKIP_BROKER_URL)."""
    from tasks.celery_app import make_celery

    platform = platform_of(ctx)
    if not platform.settings.broker_url:
        raise click.ClickException("PKIP_BROKER_URL is not set: jobs run in-process")
    app = make_celery(platform)
    # Load what every delivery needs (the holiday tables behind deadlines import
    # every country on first use) before the pool forks: not in the first task.
    platform.engine_config.calendar.is_working_day(
        platform.engine_config.clock().date()
    )
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
    if beat:
        argv.append("--beat")
    app.worker_main(argv)


# -- instances and tasks ---------------------------------------------------------------
@main.group()
def instances() -> None:
    """Process instances."""


@instances.command("list")
@click.option("--municipality")
@click.option(
    "--status",
    type=click.Choice(["running", "suspended", "completed", "cancelled", "failed"]),
)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def instances_list(
    ctx: click.Context, municipality: str | None, status: str | None, limit: int
) -> None:
    from engine.models import ProcessInstance

    query = (
        select(ProcessInstance).order_by(ProcessInstance.started_at.desc()).limit(limit)
    )
    if municipality:
        query = query.where(ProcessInstance.municipality == municipality)
    if status:
        query = query.where(ProcessInstance.status == status)
    with platform_of(ctx).transaction() as session:
        for inst in session.scalars(query):
            flag = " INCIDENT" if inst.has_incident else ""
            click.echo(
                f"{inst.id}  {inst.process_key} v{inst.definition.version}"
                f"  {inst.municipality}  {inst.status}{flag}"
                f"  {inst.started_at:%d.%m.%Y %H:%M}"
            )


@instances.command("show")
@click.argument("instance_id")
@click.pass_context
def instances_show(ctx: click.Context, instance_id: str) -> None:
    from engine.errors import NotFound

    platform = platform_of(ctx)
    with platform.transaction() as session:
        engine = platform.engine(session)
        try:
            inst = engine.get_instance(instance_id)
        except NotFound as exc:
            raise click.ClickException(str(exc)) from exc
        out = {
            "id": inst.id,
            "process": inst.process_key,
            "version": inst.definition.version,
            "municipality": inst.municipality,
            "status": inst.status,
            "end_event": inst.end_event,
            "next_timer_at": inst.next_timer_at,
            "state_bytes": inst.state_bytes,
            "incidents": [
                {
                    "id": i.id,
                    "kind": i.kind,
                    "element": i.element_id,
                    "error": i.error_type,
                    "attempts": i.attempts,
                }
                for i in engine.open_incidents(inst.id)
            ],
            "history": [
                {"at": e.at, "kind": e.kind, "element": e.element_id, "actor": e.actor}
                for e in engine.history(inst.id)
            ],
        }
    click.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))


@main.group()
def tasks() -> None:
    """User tasks (the task index)."""


@tasks.command("list")
@click.option("--municipality")
@click.option("--group", help="Candidate group (lane).")
@click.option("--assignee")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def tasks_list(
    ctx: click.Context,
    municipality: str | None,
    group: str | None,
    assignee: str | None,
    limit: int,
) -> None:
    from engine.models import UserTask

    query = (
        select(UserTask)
        .where(UserTask.state == UserTask.READY)
        .order_by(UserTask.due_at.is_(None), UserTask.due_at, UserTask.created_at)
        .limit(limit)
    )
    if municipality:
        query = query.where(UserTask.municipality == municipality)
    if group:
        query = query.where(UserTask.candidate_group == group)
    if assignee:
        query = query.where(UserTask.assignee == assignee)
    with platform_of(ctx).transaction() as session:
        for t in session.scalars(query):
            due = f"{t.due_at:%d.%m.%Y}" if t.due_at else "-"
            click.echo(
                f"{t.id}  {t.process_key}/{t.element_id}"
                f"  {t.candidate_group or '-'}  {t.assignee or '-'}"
                f"  līdz {due}  {t.name}"
            )


@tasks.command("complete")
@click.argument("task_id")
@click.option("--data", default="{}", help="Form data as a JSON object.")
@click.option("--user", required=True, help="Who completes the task.")
@click.pass_context
def tasks_complete(ctx: click.Context, task_id: str, data: str, user: str) -> None:
    from core.contracts import FormValidationError
    from engine.errors import EngineError

    payload = _json_arg(data, "--data")
    platform = platform_of(ctx)
    try:
        with platform.transaction() as session:
            inst = platform.engine(session).complete_task(task_id, payload, actor=user)
            status = inst.status
    except FormValidationError as exc:
        for err in exc.errors:
            click.echo(f"error: {err.path or '(forma)'}: {err.message}", err=True)
        sys.exit(1)
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"completed; instance is {status}")


@main.group()
def connectors() -> None:
    """Connector operators."""


@connectors.command("list")
@click.pass_context
def connectors_list(ctx: click.Context) -> None:
    from connectors.systems import default_registry

    for op in default_registry().operators():
        click.echo(f"{op.name:<24} {op.system:<8} {op.mode:<10} {op.description}")


# -- trying a diagram ------------------------------------------------------------------
@main.group()
def bpmn() -> None:
    """Work with diagram files."""


@bpmn.command("run")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--process", help="Process id (default: the first executable one of FILE)."
)
@click.option("--data", help="Start data as a JSON object.")
@click.option(
    "--task",
    "task_items",
    multiple=True,
    metavar="ELEMENT=JSON",
    help="Data for a user task (repeatable; a JSON list gives one object per pass).",
)
@click.option(
    "--message",
    "message_items",
    multiple=True,
    metavar="NAME=JSON",
    help="Payload of a message to deliver when it is awaited.",
)
@click.option(
    "--auto",
    is_flag=True,
    help=(
        "Complete user tasks without given data with {} and deliver awaited"
        " messages empty."
    ),
)
@click.option(
    "--documents",
    "documents_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the PDFs the diagram makes (default: a new temporary"
    " directory, made only when a document is).",
)
@click.option(
    "--municipality",
    help="The municipality the run's documents are numbered for (default:"
    " PKIP_DEMO_MUNICIPALITY).",
)
@click.pass_context
def bpmn_run(
    ctx: click.Context,
    files: tuple[Path, ...],
    process: str | None,
    data: str | None,
    task_items: tuple[str, ...],
    message_items: tuple[str, ...],
    auto: bool,
    documents_dir: Path | None,
    municipality: str | None,
) -> None:
    """Run a diagram in memory to its end and print the completed flow nodes as JSON.

    Extra FILES (called processes, DMN) may follow the first. Documents the diagram
    makes (documents.render) are rendered as on the platform, into an in-memory
    store; the JSON's "documents" lists them with the path of each PDF.
    """
    from connectors.systems import default_registry
    from engine.deploy import DeployError, read_files
    from engine.runner import RunFailed, RunResult, run_diagram
    from forms.validation import default_forms
    from pkip.platform import DEMO_MUNICIPALITY_NAME
    from pkip.run_documents import RunDocuments

    settings: Settings = ctx.obj["settings"]
    registry = default_registry()
    store = RunDocuments(
        registry,
        municipality=municipality or settings.demo_municipality,
        municipality_name="" if municipality else DEMO_MUNICIPALITY_NAME,
        directory=documents_dir,
    )
    store.register(registry)

    def emit(result: RunResult) -> None:
        out = json.loads(result.to_json())
        made = store.made()
        if made:
            out["documents"] = made
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))

    def pairs(items: tuple[str, ...], what: str) -> dict[str, Any]:
        out = {}
        for item in items:
            name, sep, raw = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{what} expects NAME=JSON, got {item!r}")
            out[name] = _json_arg(raw, f"{what} {name}")
        return out

    try:
        result = run_diagram(
            read_files(list(files)),
            forms=default_forms(),
            connectors=registry,
            process=process,
            data=_json_arg(data, "--data"),
            task_data=pairs(task_items, "--task"),
            messages=pairs(message_items, "--message"),
            auto=auto,
        )
    except DeployError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(2)
    except RunFailed as exc:
        # the run could not complete: still the JSON of how far it got
        if exc.result is not None:
            emit(exc.result)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    emit(result)


@main.command("openapi")
@click.option("--check", is_flag=True, help="Only compare; exit 1 when it differs.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (default: docs/openapi.json of the source tree).",
)
@click.pass_context
def openapi_cmd(ctx: click.Context, check: bool, output: Path | None) -> None:
    """Write the REST API's OpenAPI document, as served, to docs/openapi.json."""
    from webapp import create_app
    from webapp.api import COMMITTED_OPENAPI, openapi_document, render_openapi

    target = output or COMMITTED_OPENAPI
    text = render_openapi(openapi_document(create_app(platform=platform_of(ctx))))
    if not check:
        target.write_text(text, encoding="utf-8")
        click.echo(f"wrote {target}")
    elif not target.exists() or target.read_text(encoding="utf-8") != text:
        raise click.ClickException(f"{target} differs from the code: run pkip openapi")
    else:
        click.echo(f"{target} is up to date")


def _register_groups() -> None:
    from webapp.cli_audit import audit
    from webapp.cli_directory import directory
    from webapp.cli_oidc import oidc
    from webapp.cli_pii import pii
    from webapp.cli_pspp import pspp
    from webapp.cli_users import departments, users

    main.add_command(directory)
    main.add_command(audit)
    main.add_command(oidc)
    main.add_command(pii)
    main.add_command(pspp)
    main.add_command(users)
    main.add_command(departments)


_register_groups()

if __name__ == "__main__":  # pragma: no cover
    main()
