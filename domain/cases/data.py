# SPDX-License-Identifier: EUPL-1.2
"""A case's data as the process holds it, and the documents (uploads) in it.

The data lives in the instance's serialized state, so reading it costs one load of
the state: fine for a page about one case, never done for lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from engine.models import ProcessInstance
from engine.runtime import ProcessEngine

_FRONTIER = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_MAX_DEPTH = 12


def _workflow(engine: ProcessEngine, instance: ProcessInstance) -> Any:
    return engine.workflow(instance)


def instance_data(
    engine: ProcessEngine, instance: ProcessInstance, task_id: str | None = None
) -> dict[str, Any]:
    """The process data: what task ``task_id`` sees when given, else the data as
    it stands now (the latest value of every variable of the top process)."""
    wf = _workflow(engine, instance)
    if task_id is not None:
        try:
            wanted = UUID(task_id)
        except ValueError:
            return {}
        for task in wf.all_tasks():
            if task.id == wanted:
                return dict(task.data)
        return {}
    tasks = [
        t
        for t in wf.tasks.values()
        if t.state == TaskState.COMPLETED or t.state & _FRONTIER
    ]
    tasks.sort(key=lambda t: t.last_state_change)
    merged: dict[str, Any] = {}
    for task in tasks:
        merged.update(task.data)
    merged.update(wf.data or {})
    return merged


@dataclass(frozen=True)
class Document:
    """An uploaded file found in the case data (the form renderer's file value)."""

    path: str
    """Where it is in the data, dotted (``attachments.0.file``)."""
    name: str
    mime: str
    size: int
    sha256: str


def _is_file(value: Mapping[str, Any]) -> bool:
    return (
        isinstance(value.get("name"), str)
        and isinstance(value.get("sha256"), str)
        and isinstance(value.get("size"), int)
        and "content_base64" in value
    )


def _walk(value: Any, path: tuple[str, ...], depth: int) -> Iterator[Document]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, Mapping):
        if _is_file(value):
            yield Document(
                path=".".join(path),
                name=str(value["name"]),
                mime=str(value.get("mime") or "application/octet-stream"),
                size=int(value["size"]),
                sha256=str(value["sha256"]),
            )
            return
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, str(index)), depth + 1)


def find_documents(data: Mapping[str, Any]) -> list[Document]:
    """Every uploaded file in ``data``, each content once (by its hash)."""
    seen: set[str] = set()
    found = []
    for doc in _walk(data, (), 0):
        if doc.sha256 not in seen:
            seen.add(doc.sha256)
            found.append(doc)
    return found


def document_content(data: Mapping[str, Any], sha256: str) -> tuple[Document, str]:
    """The document with this hash and its base64 content; KeyError when absent."""
    for doc in _walk(data, (), 0):
        if doc.sha256 == sha256:
            value: Any = data
            for part in doc.path.split(".") if doc.path else []:
                value = value[int(part)] if isinstance(value, list) else value[part]
            return doc, str(value["content_base64"])
    raise KeyError(sha256)
