"""Shared fixtures: paths, and a demo database built once per test session through the real loader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
if not SHARED.exists():  # CI clones main elsewhere with shared/ beside it
    SHARED = Path(os.environ.get("PPA_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def boundary_file(shared_dir) -> Path:
    """The kecamatan boundaries from ../shared/reference (for tests only; the product reads PPA_BOUNDARIES)."""
    path = shared_dir / "reference" / "kota_jambi_kecamatan.geojson"
    if not path.exists():
        pytest.skip("../shared/reference not present")
    return path


@pytest.fixture(scope="session")
def demo_db_master(tmp_path_factory) -> Path:
    """The demo database, built once per session with `python -m etl demo` (the real loader)."""
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "ppa.duckdb"
    subprocess.run([sys.executable, "-m", "etl", "demo", "--db", str(db)], cwd=REPO, check=True,
                   capture_output=True, text=True)
    return db


@pytest.fixture(scope="module")
def demo_con(demo_db_master):
    """A read-only connection to the demo database, shared by the tests of one module."""
    con = duckdb.connect(str(demo_db_master), read_only=True)
    yield con
    con.close()


@pytest.fixture()
def demo_db(demo_db_master, tmp_path) -> Path:
    """A private copy of the demo database (with its raw archive) that a test may change."""
    target = tmp_path / "demo"
    shutil.copytree(demo_db_master.parent, target)
    return target / demo_db_master.name
