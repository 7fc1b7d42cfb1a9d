"""Shared fixtures: the project's own configuration and the ../shared folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from perception.project import Project

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs the workflow or builds the book (seconds to minutes)")


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.from_file("config/config.yaml", root=REPO)


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"reference material not available: {SHARED} is absent (only in a development checkout)")
    return SHARED
