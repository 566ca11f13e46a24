"""Perpetrators (pelaku, issue 18): from the official template and police layouts into the `perpetrators` view,
replaced by a revision and restored by an undo as their victims are; the staff figures against SQL on the views;
Ringkasan shows Pelaku."""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from app import auth
from etl import history, load
from etl.template import PerpetratorEntry as P
from report import briefing, charts, queries
from loadhelpers import entry, register

MARCH, MARCH_END = dt.date(2024, 3, 1), dt.date(2024, 3, 31)
VIEW_COLUMNS = ["case_key", "agency", "sex", "age", "age_band", "is_child", "relationship", "submission_id",
                "source_sheet", "source_row"]
NAMES = ("Sutrisno Contoh", "Bambang Contoh", "Siti Contoh")


def rows(db, where: str = "TRUE") -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT case_key, sex, age, age_band, is_child, relationship, source_row "
                           f"FROM perpetrators WHERE {where} ORDER BY case_key, source_row, slot").fetchall()
    finally:
        con.close()


def march_register(path, perpetrators_k1, agency="UPTD_PPA"):
    """K1: two victims; its perpetrators on the first row, the first of them written again on the second row
    (as agencies do: counted once). K2: no perpetrator."""
    return register(path, agency, MARCH, MARCH_END, [
        entry("K1", dt.date(2024, 3, 5), age=12, perpetrators=perpetrators_k1),
        entry("K1", dt.date(2024, 3, 5), age=9, perpetrators=perpetrators_k1[:1]),
        entry("K2", dt.date(2024, 3, 9), sex="L", age=30),
    ])


def loaded(report) -> str:
    [result] = report.files
    assert result.status in ("loaded", "replaced"), result.message
    return result.submission_id


def test_a_template_with_perpetrators_loads_into_the_view(tmp_path):
    db = tmp_path / "ppa.duckdb"
    path = march_register(tmp_path / "maret.xlsx", (P("L", 35, "Orang Tua"), P("L", 16, "Tetangga")))
    sid = loaded(load.load_files([path], db=db))

    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = 'perpetrators'").fetchall()]
        stored = con.execute("SELECT DISTINCT submission_id, source_sheet FROM perpetrators").fetchall()
    finally:
        con.close()
    assert set(VIEW_COLUMNS) <= set(columns)
    assert stored == [(sid, "Register")]
    assert rows(db) == [("UPTD_PPA:K1", "L", 35, "25-44", False, "orang_tua", 7),
                        ("UPTD_PPA:K1", "L", 16, "13-17", True, "tetangga", 7)]
    assert rows(db, "case_key = 'UPTD_PPA:K2'") == []


def write_police_register(path, variant: str):
    """A police register for March 2024 with tersangka/terlapor columns and their names (never stored)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "LP Maret"
    ws["A1"] = "DATA LAPORAN POLISI UNIT PPA SAT RESKRIM POLRESTA JAMBI"
    ws["A2"] = "BULAN MARET 2024"
    data = [("LP/B/001/III/2024", dt.date(2024, 3, 4), NAMES[2], 14, "P", "Jelutung", "Pencabulan",
             NAMES[0], "L", 41, "Tetangga"),
            ("LP/B/001/III/2024", dt.date(2024, 3, 4), "Rina Contoh", 11, "P", "Jelutung", "Pencabulan",
             NAMES[0], "L", 41, "Tetangga"),
            ("LP/B/002/III/2024", dt.date(2024, 3, 15), "Dewi Contoh", 29, "P", "Kota Baru", "KDRT fisik",
             NAMES[1], "L", "35 th", "Suami")]
    if variant == "tersangka":
        ws.append([])
        ws.append(["No. LP", "Tgl Lapor", "Nama Korban", "Umur Korban", "JK Korban", "Kecamatan", "Jenis Perkara",
                   "Nama Tersangka", "Jenis Kelamin Tersangka", "Umur Tersangka", "Hubungan dengan Korban"])
        for row in data:
            ws.append(list(row))
    else:  # two header rows: KORBAN and TERLAPOR spanning their columns
        ws.append([])
        ws.append(["No. LP", "Tanggal Lapor", "KORBAN", None, None, "Kecamatan", "Jenis Perkara", "TERLAPOR",
                   None, None, None])
        ws.append([None, None, "Nama", "Umur", "JK", None, None, "Nama", "L/P", "Usia", "Hubungan dengan Korban"])
        ws.merge_cells("C4:E4")
        ws.merge_cells("H4:K4")
        for column in ("A", "B", "F", "G"):
            ws.merge_cells(f"{column}4:{column}5")
        for row in data:
            ws.append(list(row))
    wb.save(path)
    return path


@pytest.mark.parametrize("variant", ["tersangka", "terlapor"])
def test_police_layouts_give_their_suspects_as_perpetrators_without_names(tmp_path, variant):
    db = tmp_path / "ppa.duckdb"
    path = write_police_register(tmp_path / f"lp-{variant}.xlsx", variant)
    loaded(load.load_files([path], agency="POLRESTA", db=db))

    # the suspect written on both victims' rows of LP 001 is one perpetrator; '35 th' reads as 35
    assert rows(db) == [("POLRESTA:LP/B/001/III/2024", "L", 41, "25-44", False, "tetangga", rows(db)[0][-1]),
                        ("POLRESTA:LP/B/002/III/2024", "L", 35, "25-44", False, "suami_istri", rows(db)[1][-1])]
    con = duckdb.connect(str(db), read_only=True)
    try:
        texts = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE data_type IN ('VARCHAR', 'JSON') AND table_schema = 'main'").fetchall()
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE'").fetchall()}
        for table, column in ((t, c) for t, c in texts if t in tables):
            for name in NAMES:
                found = con.execute(f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?',
                                    [f"%{name.split()[0]}%"]).fetchone()[0]
                assert found == 0, (table, column, name)
        perpetrator_text = str(con.execute("SELECT perpetrators FROM victim_records").fetchall())
    finally:
        con.close()
    assert not any(name.split()[0] in perpetrator_text for name in NAMES)


def test_a_revision_replaces_the_perpetrators_and_an_undo_restores_them(tmp_path):
    db = tmp_path / "ppa.duckdb"
    first = march_register(tmp_path / "maret.xlsx", (P("L", 35, "Orang Tua"), P("L", 16, "Tetangga")))
    loaded(load.load_files([first], db=db))
    before = rows(db)
    assert len(before) == 2

    revised = march_register(tmp_path / "maret-revisi.xlsx", (P("P", 40, "Keluarga/Saudara"),))
    revision = loaded(load.load_files([revised], db=db))
    assert rows(db) == [("UPTD_PPA:K1", "P", 40, "25-44", False, "keluarga", 7)]

    history.undo(db, revision)
    assert rows(db) == before


# ---------------------------------------------------------------------------------------------- figures vs SQL

JAN_OCT = queries.Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1))
COUNTED = "duplicate_of IS NULL AND report_date BETWEEN DATE '2024-01-01' AND DATE '2024-10-31'"


def sql(con, text: str) -> list[tuple]:
    return con.execute(text.replace("{counted}", COUNTED)).fetchall()


def test_the_demo_has_perpetrators_like_simfoni(demo_con):
    [(perpetrators, cases, men, children)] = sql(demo_con, """
        SELECT (SELECT count(*) FROM perpetrators WHERE duplicate_of IS NULL),
               (SELECT count(DISTINCT case_key) FROM victims WHERE duplicate_of IS NULL),
               (SELECT avg((sex = 'L')::INT) FROM perpetrators), (SELECT count(*) FILTER (WHERE is_child)
                                                                   FROM perpetrators)""")
    assert 0.6 <= perpetrators / cases <= 0.85       # SIMFONI-PPA 2024: 23,019 / 31,953 = 0.72
    assert men > 0.8 and children >= 10


def test_perpetrator_totals_and_figures_match_sql_on_the_views(demo_con):
    totals = queries.perpetrator_totals(demo_con, JAN_OCT).iloc[0]
    [expected] = sql(demo_con, "SELECT count(*), count(*) FILTER (WHERE sex = 'L'), count(*) FILTER (WHERE is_child), "
                               "count(DISTINCT case_key) FROM perpetrators WHERE {counted}")
    assert (totals["pelaku"], totals["pelaku_laki"], totals["pelaku_anak"], totals["kasus_dengan_pelaku"]) == expected
    assert totals["pelaku"] > 50

    period = "Januari–Oktober 2024"
    pyramid = charts.perpetrator_pyramid_figure(queries.perpetrator_age_sex(demo_con, JAN_OCT), period)
    by_sex = dict(sql(demo_con, "SELECT sex, count(*) FROM perpetrators WHERE {counted} AND sex IS NOT NULL "
                                "GROUP BY 1"))
    drawn = {trace.name: sum(abs(x) for x in trace.x) for trace in pyramid.data}
    assert drawn == {"Laki-laki": by_sex["L"], "Perempuan": by_sex["P"]}
    bands = dict(sql(demo_con, "SELECT coalesce(age_band, 'Tidak diketahui'), count(*) FROM perpetrators "
                               "WHERE {counted} AND sex = 'L' GROUP BY 1"))
    men = next(t for t in pyramid.data if t.name == "Laki-laki")
    assert {b: abs(x) for b, x in zip(men.y, men.x) if x} == bands

    child = charts.perpetrator_child_figure(queries.perpetrator_child_adult(demo_con, JAN_OCT), period)
    [(children, adults, unknown)] = sql(demo_con, "SELECT count(*) FILTER (WHERE is_child), count(*) FILTER (WHERE "
                                                  "NOT is_child), count(*) FILTER (WHERE is_child IS NULL) "
                                                  "FROM perpetrators WHERE {counted}")
    assert dict(zip(child.data[0].y, child.data[0].x)) == {"Anak (< 18 tahun)": children, "Dewasa": adults,
                                                           "Usia tidak diketahui": unknown}

    related = charts.perpetrator_relationship_figure(queries.perpetrator_relationships(demo_con, JAN_OCT), period)
    labels = dict(sql(demo_con, "SELECT coalesce(relationship, '__kosong__'), count(*) FROM perpetrators "
                                "WHERE {counted} GROUP BY 1"))
    table = queries.perpetrator_relationships(demo_con, JAN_OCT)
    assert dict(zip(related.data[0].y, related.data[0].x)) == dict(zip(table["label"], table["perpetrators"]))
    assert {c: n for c, n in zip(table["code"], table["perpetrators"]) if n} == labels

    for fig in (pyramid, child, related):  # every chart says what it counts
        assert "elaku" in fig.layout.title.text and "pelaku" in fig.layout.title.subtitle.text
        assert all("pelaku" in t.hovertemplate for t in fig.data)


def test_the_briefing_names_the_perpetrators(demo_con):
    b = briefing.build_briefing(demo_con, dt.date(2024, 1, 1), dt.date(2024, 10, 1), today=dt.date(2024, 11, 20))
    [(count,)] = sql(demo_con, "SELECT count(*) FROM perpetrators WHERE {counted}")
    assert b.figures["pelaku"] == count
    assert f"Pelaku tercatat: {count} pelaku" in b.key_points[2]


def test_ringkasan_shows_pelaku_next_to_kasus_and_korban(demo_db_master, monkeypatch):
    monkeypatch.setenv("PPA_DB", str(demo_db_master))
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    at.session_state[auth.SESSION_KEY] = auth.session_record("uji", "operator")
    at.query_params.update({"dari": "2024-01", "sampai": "2024-10"})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    con = duckdb.connect(str(demo_db_master), read_only=True)
    try:
        [(count,)] = sql(con, "SELECT count(*) FROM perpetrators WHERE {counted}")
    finally:
        con.close()
    assert [m.label for m in at.metric] == ["Kasus", "Korban", "Pelaku", "Kasus TPPO"]
    assert {m.label: m.value for m in at.metric}["Pelaku"] == str(count)
