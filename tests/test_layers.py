"""Arrows go one way: etl/ never imports app/ or Streamlit, report/ never imports app/ or Streamlit."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _modules(package: str) -> list[str]:
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(REPO / package)])]


def _imported_after(module: str) -> set[str]:
    code = ("import importlib, sys; importlib.import_module(%r); "
            "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))" % module)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", [m for m in _modules("etl") if m != "etl.__main__"] + ["etl.__main__"])
def test_etl_module_imports_neither_app_nor_streamlit(module):
    top = _imported_after(module)
    assert not top & {"app", "streamlit"}, f"{module} imports {sorted(top & {'app', 'streamlit'})}"
    if module != "etl.__main__":  # only the command-line shell reaches up to report (paparan, publish)
        assert "report" not in top, f"{module} imports report"


@pytest.mark.parametrize("module", _modules("report") + ["report.exports.bundle"])
def test_report_module_imports_neither_app_nor_streamlit(module):
    top = _imported_after(module)
    assert not top & {"app", "streamlit"}, f"{module} imports {sorted(top & {'app', 'streamlit'})}"
