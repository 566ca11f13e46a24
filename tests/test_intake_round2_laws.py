"""The new KUHP (UU 1/2023, in force 2026) as police registers cite it (issue 16 round 2, gap 5).

Its sexual-violence and assault articles map to forms through data/reference/law_articles.csv, as the old KUHP's
285-290 and 351-356 do; "KUHP" alone stays the old one. Registers are real workbooks (openpyxl, XlsxWriter).
"""

from __future__ import annotations

import datetime as dt

import pytest

from etl import vocab
from etl.model import Problem
from etl.parse import parse_workbook
from etl.values import parse_offence, parse_violence
from round2_workbooks import WRITERS, write_book

TODAY = dt.date(2026, 3, 20)
DAY = dt.date(2026, 2, 9)

NEW_KUHP = [
    ("Pasal 473 UU 1/2023", ("seksual",)),
    ("Pasal 473 KUHP baru", ("seksual",)),
    ("Pasal 473 ayat (2) huruf b UU RI Nomor 1 Tahun 2023 tentang KUHP", ("seksual",)),
    ("Psl 414 UU No. 1 Tahun 2023", ("seksual",)),
    ("Pasal 415 huruf b KUHP Nasional", ("seksual",)),
    ("Pasal 466 KUHP Baru", ("fisik",)),
    ("Pasal 468 ayat (1) UU 1/2023", ("fisik",)),
    ("Pasal 471 KUHP 2023", ("fisik",)),
    ("Pasal 473 KUHP baru, Pasal 466 KUHP baru", ("fisik", "seksual")),
    ("Pasal 285 KUHP", ("seksual",)),          # the old KUHP is read as before
    ("Psl 351 KUHP", ("fisik",)),
]


@pytest.mark.parametrize("wording, forms", NEW_KUHP)
def test_each_new_kuhp_article_maps_to_its_form(wording, forms):
    outcome = parse_violence(wording)
    assert not isinstance(outcome, Problem), outcome.message
    assert (outcome.value, outcome.warning) == (forms, None)


def test_the_new_kuhp_is_its_own_law_and_kuhp_alone_is_the_old_one():
    table = vocab.law_articles()
    assert table.aliases[vocab.law_reference_text("UU No. 1 Tahun 2023")] == "kuhp_2023"
    assert table.aliases[vocab.law_reference_text("KUHP")] == "kuhp"
    assert not {a for (law, a) in table.articles if law == "kuhp_2023"} & {a for (law, a) in table.articles
                                                                           if law != "kuhp_2023"}
    old = parse_violence("Pasal 473 KUHP")
    assert isinstance(old, Problem) and "pasal 473 KUHP belum ada di daftar pasal undang-undang" in old.message
    unlisted = parse_violence("Pasal 474 KUHP baru")
    assert isinstance(unlisted, Problem) and "pasal 474 KUHP baru belum ada" in unlisted.message


def test_every_new_kuhp_row_names_its_source():
    import csv
    with open(vocab.REPO_ROOT / "data" / "reference" / "law_articles.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["law"] == "kuhp_2023" and r["article"]]
    assert rows and all("source" in r["note"] for r in rows)


def _register(path, writer, rows):
    """A Unit PPA register of February 2026 whose Pasal/UU column cites the new KUHP."""
    header = ["NO", "NO. LP", "TGL LP", "UMUR", "JK", "KECAMATAN", "JENIS PERKARA", "PASAL/UU"]
    body = [[n, f"LP/B/{n}/II/2026", DAY, 14, "P", "Jelutung", offence, citation]
            for n, (offence, citation) in enumerate(rows, start=1)]
    top = [["DATA LAPORAN POLISI UNIT PPA SAT RESKRIM POLRESTA JAMBI"], ["BULAN FEBRUARI 2026"], []]
    return write_book(path, [("LP Februari" if writer == "openpyxl" else "Februari 2026", top + [header] + body)],
                      writer)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_police_register_citing_the_new_kuhp_loads_each_form(tmp_path, writer):
    rows = [("Persetubuhan terhadap anak", "Pasal 473 ayat (2) UU 1/2023"), (None, "Pasal 473 KUHP baru"),
            ("Penganiayaan", "Pasal 466 KUHP baru"), (None, "Psl 415 UU No. 1 Tahun 2023"),
            ("Pencabulan", "Pasal 473 KUHP"), (None, "Pasal 466 KUHP")]
    parsed = parse_workbook(_register(tmp_path / "polresta-februari-2026.xlsx", writer, rows), today=TODAY)
    assert parsed.agency == "POLRESTA"
    forms = [tuple(v["violence_types"]) for v in parsed.victim_table.to_pylist()]
    assert forms == [("seksual",), ("seksual",), ("fisik",), ("seksual",), ("seksual",)]
    (error,) = parsed.errors      # the old KUHP's 466 alone names no form here: rejected with the advice
    assert (error.row, error.column, error.reason) == (10, "PASAL/UU", "bentuk_tidak_dikenal")
    assert [w.reason for w in parsed.warnings] == ["pasal_tidak_dikenal"]   # 'Pencabulan' beside old 473


def test_an_offence_and_a_new_kuhp_citation_are_read_together():
    assert parse_offence("Penganiayaan anak", "466 UU 1/2023").value == ("fisik",)
    assert parse_offence("KDRT", "Pasal 466 KUHP baru").value == ("fisik",)
