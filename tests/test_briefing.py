"""The briefing read aloud: every number comes from the query layer, on the real demo database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import duckdb
import pytest

from etl import history
from report import briefing, queries
from report import format as fmt

JAN, OCT = dt.date(2024, 1, 1), dt.date(2024, 10, 1)
TODAY = dt.date(2024, 11, 20)


@pytest.fixture(scope="module")
def jan_oct(demo_con) -> briefing.Briefing:
    return briefing.build_briefing(demo_con, JAN, OCT, today=TODAY)


def test_headline_states_the_published_figures_and_the_change_against_last_year(demo_con, jan_oct):
    before = queries.headline(demo_con, queries.Filters(JAN, OCT).previous_year())
    previous = int(before["kasus"].iloc[0])
    assert jan_oct.headline == (
        "Sampai Oktober 2024 tercatat 149 kasus kekerasan terhadap perempuan dan anak, 22 di antaranya TPPO; "
        f"{fmt.change(149, previous)} dibanding Januari–Oktober 2023 ({previous} kasus), "
        "kenaikan yang kemungkinan nyata.")
    assert jan_oct.period == "Januari–Oktober 2024" and jan_oct.previous_period == "Januari–Oktober 2023"
    assert jan_oct.figures["kasus"] == 149 and jan_oct.figures["kasus_tppo"] == 22


def test_key_points_come_from_the_same_queries_as_the_charts(demo_con, jan_oct):
    f = queries.Filters(JAN, OCT)
    assert 3 <= len(jan_oct.key_points) <= 5
    district, form, child, tppo, caveat = jan_oct.key_points

    top = queries.district_totals(demo_con, f).iloc[0]
    assert f"Kecamatan {top['district']}: {top['kasus']} kasus" in district

    forms = queries.form_totals(demo_con, f).sort_values("victims", ascending=False).iloc[0]
    assert f"{forms['label'].lower()}: {forms['victims']} korban" in form
    assert "lebih dari satu bentuk" in form and "korban per bentuk" in form

    ages = queries.child_adult(demo_con, f).set_index("age_group")["victims"]
    victims, children = int(ages.sum()), int(ages["Anak (< 18 tahun)"])
    assert child.startswith(f"{children} dari {victims} korban ({fmt.percent(children / victims, 0)})")

    tppo_now = queries.headline(demo_con, f.only_tppo())
    assert f"{int(tppo_now['kasus'].iloc[0])} kasus dengan {int(tppo_now['korban'].iloc[0])} korban" in tppo
    assert "Kasus TPPO" in tppo

    assert "September–Oktober 2024 masih sementara" in caveat
    assert "bukan angka prevalensi" in caveat and "DATA CONTOH" in caveat


def test_sentences_are_headline_then_points_and_provisional_months_are_the_last_two(jan_oct):
    assert jan_oct.sentences == (jan_oct.headline, *jan_oct.key_points)
    assert jan_oct.provisional_months == [dt.date(2024, 9, 1), dt.date(2024, 10, 1)]
    assert any("Rekap bulanan" in c and "tidak dijumlahkan" in c for c in jan_oct.caveats)


def test_a_period_not_starting_in_january_says_pada(demo_con):
    b = briefing.build_briefing(demo_con, dt.date(2024, 3, 1), dt.date(2024, 6, 1), today=TODAY)
    cases = int(queries.headline(demo_con, queries.Filters(dt.date(2024, 3, 1), dt.date(2024, 6, 1)))["kasus"].iloc[0])
    assert b.headline.startswith(f"Pada Maret–Juni 2024 tercatat {cases} kasus")


def test_an_empty_period_says_so_instead_of_failing(demo_con):
    b = briefing.build_briefing(demo_con, dt.date(2030, 1, 1), dt.date(2030, 3, 1), today=TODAY)
    assert b.headline == "Sampai Maret 2030 tidak ada kasus kekerasan terhadap perempuan dan anak yang dilaporkan."
    assert "Belum ada kasus yang tercatat menurut kecamatan" in b.key_points[0]
    assert "Tidak ada kasus TPPO" in b.key_points[3]


def test_agencies_without_a_file_are_named_with_their_months(demo_db):
    # the demo's Dinas Sosial sends quarterly files (Jul–Sep) and then October alone
    with duckdb.connect(str(demo_db), read_only=True) as con:  # undo them (a file replaced still counts as sent)
        ids = [r[0] for r in con.execute("""SELECT submission_id FROM submissions WHERE agency = 'DINSOS'
                                            AND list_has_any(months, [DATE '2024-09-01', DATE '2024-10-01'])""")
               .fetchall()]
    assert ids
    for submission_id in ids:
        history.undo(demo_db, submission_id)
    demo_con = duckdb.connect(str(demo_db), read_only=True)
    try:
        b = briefing.build_briefing(demo_con, JAN, OCT, today=TODAY)
    finally:
        demo_con.close()
    assert "belum ada laporan dari Dinas Sosial Kota Jambi (Juli–Oktober 2024)" in b.key_points[-1]
    assert "Belum ada laporan dari: Dinas Sosial Kota Jambi (Juli–Oktober 2024)." in b.caveats


@pytest.mark.parametrize("months, expected", [
    ([dt.date(2024, 8, 1), dt.date(2024, 9, 1), dt.date(2024, 10, 1)], ["Agustus–Oktober 2024"]),
    ([dt.date(2024, 1, 1), dt.date(2024, 3, 1)], ["Januari 2024", "Maret 2024"]),
    ([dt.date(2024, 1, 1), dt.date(2023, 11, 1), dt.date(2023, 12, 1)], ["November 2023–Januari 2024"]),
])
def test_month_runs(months, expected):
    assert briefing.month_runs(months) == expected


def test_briefing_and_exports_never_import_streamlit(repo_root):
    code = ("import sys, report.briefing, report.exports.bundle, report.exports.infographic; "
            "sys.exit(1 if 'streamlit' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=repo_root).returncode == 0
