"""Fixtures for end-to-end tests: a running server on the bundled rules, shared per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..conftest import RULES
from .harness import ServerProcess

ADMIN_TOKEN = "test-admin-token"
ADMIN = (("authorization", f"Bearer {ADMIN_TOKEN}"),)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(RULES, workers=1, log_dir=tmp_path_factory.mktemp("logs"),
                       env={"TRIVSEL_ADMIN_TOKEN": ADMIN_TOKEN}) as running:
        yield running
