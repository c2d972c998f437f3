from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from tests.liveserver import LiveServer, live_server
from tests.services import forget_keys


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One daphne process for the whole run, with the conformance fixtures mounted."""
    with live_server(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(autouse=True)
def no_tool_call_observers(settings: Settings) -> None:
    """Tool calls made in this process are not recorded unless a test asks for it.

    The analytics recorder writes on a timer of the session's event loop, in a thread: a call of one
    test would land in the next test's database, or while its teardown flushes the database
    ("database table is locked"). Live servers record as in production; the tests about
    recording turn the observer on themselves."""
    settings.MCP_TOOL_CALL_OBSERVERS = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    forget_keys()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A transactional test without serialized_rollback flushes the database and lets post_migrate
    # recreate content types, so the next serialized test fails to restore them (IntegrityError)
    # and the migrated catalog is gone: an error that depends on test order. Refuse it up front.
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: use @pytest.mark.django_db(transaction=True, serialized_rollback=True)"
            )
