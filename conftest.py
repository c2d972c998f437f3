from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.liveserver import LiveServer, live_server
from tests.services import forget_keys


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One daphne process for the whole run, with the conformance fixtures mounted."""
    with live_server(tmp_path_factory.mktemp("live")) as server:
        yield server


def pytest_sessionfinish(session: pytest.Session) -> None:
    forget_keys()
