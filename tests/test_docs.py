"""The README documents every command and every setting the product reads."""

from __future__ import annotations

import re

from etl.__main__ import build_parser


def test_every_cli_command_is_in_the_readme(repo_root):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices
    missing = [name for name in commands if f"etl {name}" not in readme and f"`{name}" not in readme]
    assert not missing, f"commands not documented in README.md: {missing}"


def test_every_environment_variable_is_in_the_readme(repo_root):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    used = set()
    for folder in ("etl", "app", "pages"):
        for path in (repo_root / folder).rglob("*.py"):
            used |= set(re.findall(r"PPA_[A-Z_]+", path.read_text(encoding="utf-8")))
    assert used, "no settings found: the scan is broken"
    assert sorted(v for v in used if v not in readme) == []
