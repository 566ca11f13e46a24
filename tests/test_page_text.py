"""What a user reads on every page is Indonesian (issue 22): no Streamlit English placeholder ("Choose an option",
"Choose options") on any choice, no English word or literal "None" in any text, label, help or option, and no file
path or setting name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.protobuf.descriptor import FieldDescriptor
from streamlit.testing.v1 import AppTest

from app import auth
from app.filters import PLACEHOLDER_MANY, PLACEHOLDER_ONE
from app.navigation import OPERATOR_PAGES, PAGES, PUBLIC_PAGES
from rendered import rendered

TIMEOUT = 180
ENGLISH = re.compile(r"\b(Choose|Select|options?|submissions?|Upload|Browse files|Drag and drop|per file|None)\b")
PATH_OR_SETTING = re.compile(r"\bPPA_[A-Z]+\b|python -m |\.duckdb\b|/work/|/tmp/|ppa\.toml")
NOT_YET: dict[str, str] = {}


def strings(message) -> list[str]:
    """Every text value in an element's protobuf (field names and binary table data left out)."""
    found = []
    for field, value in message.ListFields():
        if field.name in ("id", "form_id"):  # widget ids such as "$$ID-…-None": never shown
            continue
        values = value if field.is_repeated else [value]
        for v in values:
            if field.type == FieldDescriptor.TYPE_STRING:
                found.append(v)
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                found += strings(v)
    return found


def elements(node):
    children = getattr(node, "children", None)
    if children:
        for child in children.values():
            yield from elements(child)
    elif getattr(node, "proto", None) is not None:
        yield node


@pytest.fixture()
def open_page(demo_db_master, monkeypatch, tmp_path):
    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    monkeypatch.setenv("PPA_USERS", str(tmp_path / "tidak-ada-akun.json"))
    for name in ("PPA_PUBLIC", "PPA_BOUNDARIES"):
        monkeypatch.delenv(name, raising=False)

    def run(spec) -> AppTest:
        at = AppTest.from_file("../dashboard.py", default_timeout=TIMEOUT)
        if spec not in PUBLIC_PAGES:
            at.session_state[auth.SESSION_KEY] = auth.session_record("uji", "operator")
        at.run()
        at.switch_page(spec.path).run()
        assert not at.exception, [e.message for e in at.exception]
        return at
    return run


def _cases():
    for spec in PUBLIC_PAGES + PAGES + OPERATOR_PAGES:
        marks = [pytest.mark.xfail(reason=NOT_YET[spec.path], strict=False)] if spec.path in NOT_YET else []
        yield pytest.param(spec, marks=marks, id=spec.path)


@pytest.mark.parametrize("spec", list(_cases()))
def test_every_choice_has_an_indonesian_placeholder(open_page, spec):
    at = open_page(spec)
    choices = [e for e in elements(at._tree) if e.type in ("selectbox", "multiselect")]
    if not choices:
        pytest.skip("no selectbox or multiselect on this page")
    for choice in choices:
        # an empty placeholder makes the browser show Streamlit's own "Choose an option" / "Choose options"
        assert choice.proto.placeholder in (PLACEHOLDER_ONE, PLACEHOLDER_MANY), (choice.proto.label,
                                                                                 choice.proto.placeholder)


@pytest.mark.parametrize("spec", list(_cases()))
def test_no_english_path_or_setting_name_in_page_text(open_page, spec):
    at = open_page(spec)
    texts = [t for e in elements(at._tree) if e.type != "plotly_chart" for t in strings(e.proto)]
    assert len(" ".join(texts)) > 200, "the page drew almost nothing"
    english = [t for t in texts if ENGLISH.search(t)]
    assert not english, english
    named = [t for t in texts if PATH_OR_SETTING.search(t)]
    assert not named, named


def test_the_test_sees_an_english_placeholder():
    """The check itself: a selectbox drawn without the helper has an empty placeholder (English in the browser)."""
    at = AppTest.from_string("import streamlit as st\nst.selectbox('Pilih', ['a', 'b'], index=None)").run()
    assert at.selectbox[0].proto.placeholder == ""
    assert ENGLISH.search("Choose an option") and ENGLISH.search("Choose options")
    assert Path(__file__).name == "test_page_text.py"


def test_the_screenshot_index_shows_every_page(repo_root):
    """docs/screenshots/README.md (written by `python -m benchmarks.screenshots`) links a picture of every page."""
    from benchmarks import screenshots

    index = (repo_root / "docs" / "screenshots" / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\(([^)]+\.png)\)", index)
    expected = [screenshots.shot_name(spec) for spec in PUBLIC_PAGES + PAGES + OPERATOR_PAGES]
    assert linked == expected
    assert all((repo_root / "docs" / "screenshots" / name).stat().st_size > 10_000 for name in linked)


# a reference file or folder named in a message ("data/reference/violence_aliases.csv", "profiles/")
REFERENCE_FILE = re.compile(r"data/reference|\b[a-z_]+\.csv\b|profiles/")


def test_the_upload_check_names_no_reference_file_or_path(open_page, tmp_path):
    """Unggah Data with a messy register (an unknown wording, a kecamatan outside the region) and a text file: every
    message says in Indonesian what to do (ask the operator to add the spelling) without a path or a file name, and
    the text file is refused by the check below the box in Indonesian, not by the box in English."""
    from tests.messy import write_messy_register

    spec = next(s for s in OPERATOR_PAGES if s.path == "pages/unggah.py")
    at = open_page(spec)
    messy = write_messy_register(tmp_path / "Dinsos November 2024.xlsx").read_bytes()
    at.file_uploader(key="uploads").set_value([
        ("Dinsos November 2024.xlsx", messy, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("catatan.txt", b"bukan workbook", "text/plain")])
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    texts = [rendered(t) for e in elements(at._tree) if e.type not in ("plotly_chart", "html")
             for t in strings(e.proto)]
    texts += [rendered(str(v)) for table in at.table for v in table.value.to_numpy().ravel()]
    shown = " ".join(texts)
    assert "minta operator menambahkan ejaan ini ke daftar ejaan bentuk kekerasan" in shown
    assert "File 'catatan.txt' bukan workbook yang didukung" in shown
    assert not [t for t in texts if REFERENCE_FILE.search(t) or PATH_OR_SETTING.search(t)]
    assert not [t for t in texts if ENGLISH.search(t)]


def test_a_missing_reference_file_is_named_without_the_servers_folder(tmp_path, monkeypatch):
    """A region's reference folder without a national list: the command line names the folder, the stored message
    and the page name only the file."""
    import shutil

    from etl import inspect, vocab
    from tests.messy import write_messy_register

    reference = tmp_path / "rujukan-rahasia"
    shutil.copytree(vocab.REPO_ROOT / "data" / "reference", reference)
    (reference / "violence_aliases.csv").unlink()
    monkeypatch.setenv("PPA_REFERENCE", str(reference))
    vocab.clear_caches()
    try:
        path = write_messy_register(tmp_path / "Dinsos November 2024.xlsx")
        result = inspect.check_upload(path.read_bytes(), path.name, None, None)
    finally:
        monkeypatch.delenv("PPA_REFERENCE")
        vocab.clear_caches()
    said = " ".join(str(m) for m in (result.error, result.result and result.result.message) if m)
    assert "'violence_aliases.csv' tidak ada di folder rujukan wilayah" in said, said
    assert str(tmp_path) not in said and "rujukan-rahasia" not in said and "docs/" not in said
    error = vocab.ReferenceFileMissing("violence_aliases.csv", str(reference))
    assert str(reference) in str(error)   # the command line still says which folder
    assert str(reference) not in error.for_page()
