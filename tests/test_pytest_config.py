"""The test configuration: a test that hangs fails with a traceback (pytest-timeout, pytest.ini) instead of stalling."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys


def test_a_hanging_test_fails_with_the_stack_of_where_it_hangs(tmp_path, repo_root):
    shutil.copy(repo_root / "pytest.ini", tmp_path / "pytest.ini")  # the project's settings, its limit shortened
    (tmp_path / "test_hang.py").write_text("import time\n\n\ndef test_waits_forever():\n    time.sleep(3600)\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "timeout=2",
                          "test_hang.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Timeout" in output and "test_waits_forever" in output and "time.sleep(3600)" in output


def test_every_test_has_a_time_limit_and_ci_installs_the_plugin(repo_root):
    config = configparser.ConfigParser()
    config.read(repo_root / "pytest.ini")
    assert int(config["pytest"]["timeout"]) >= 300   # well above the slowest real test (about 100 s)
    assert "pytest-timeout" in (repo_root / "requirements-dev.txt").read_text()
