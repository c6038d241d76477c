"""What every Python client suite shares: where the server is, fresh index uids, waiting for a
task (and checking how it ended), and reading an API error. The `client` fixture is in
conftest.py, which pytest loads for every file here."""

from __future__ import annotations

import os
import uuid
from datetime import datetime

import pytest

import meilisearch
from meilisearch.errors import MeilisearchApiError
from meilisearch.models.task import Task, TaskInfo

MEILI_URL = os.environ.get("MEILI_URL", "http://127.0.0.1:7700")
MEILI_MASTER_KEY = os.environ.get("MEILI_MASTER_KEY")

# The client's wait_for_task polls every 50 ms by default; poll faster to keep the suites quick.
POLL_MS = 10
TIMEOUT_MS = 10_000


def new_uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def wait(client: meilisearch.Client, task_info: TaskInfo | int, status: str = "succeeded") -> Task:
    """wait_for_task and assert the final status (and print the error if it differs)."""
    uid = task_info if isinstance(task_info, int) else task_info.task_uid
    task = client.wait_for_task(uid, timeout_in_ms=TIMEOUT_MS, interval_in_ms=POLL_MS)
    assert isinstance(task, Task)
    assert task.uid == uid
    assert task.status == status, f"task {uid} ended {task.status!r}, error={task.error!r}"
    assert isinstance(task.enqueued_at, datetime)
    assert isinstance(task.started_at, datetime)
    assert isinstance(task.finished_at, datetime)
    assert task.started_at <= task.finished_at
    assert isinstance(task.duration, str) and task.duration.startswith("PT"), task.duration
    if status == "succeeded":
        assert task.error is None
    return task


def api_error(excinfo: pytest.ExceptionInfo) -> MeilisearchApiError:
    err = excinfo.value
    assert isinstance(err, MeilisearchApiError)
    assert err.type is not None and err.link is not None, f"error body lacks type/link: {err!r}"
    assert err.link == f"https://docs.meilisearch.com/errors#{err.code}"
    return err


def hint(method: str) -> str:
    """The client's `version_error_hint_message` decorator appends this to errors of search,
    get_documents and delete_documents."""
    return (
        f". Hint: It might not be working because you're not up to date with the Meilisearch version "
        f"that {method} call requires."
    )
