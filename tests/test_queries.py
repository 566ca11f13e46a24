"""The query layer against real DuckDB files: counts reconcile with direct SQL over the public views."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest

from report import db as app_db
from report import queries as q
from etl import db as etl_db
from etl import template, vocab, writer
from etl.parse import parse_workbook
from fixtures_db import build_fixture_db

JAN_OCT_2024 = q.Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1))


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    return build_fixture_db(tmp_path_factory.mktemp("fx") / "ppa.duckdb")


@pytest.fixture()
def con(fixture_db):
    connection = etl_db.connect(fixture_db, read_only=True)
    yield connection
    connection.close()


def direct(con, sql, params=()):
    return con.execute(sql, list(params)).fetchone()


FILTER_CASES = [
    JAN_OCT_2024,
    replace(JAN_OCT_2024, district_code="15.71.03"),
    replace(JAN_OCT_2024, violence_type="seksual"),
    replace(JAN_OCT_2024, agency="POLRESTA"),
    replace(JAN_OCT_2024, include_duplicates=True),
    q.Filters(dt.date(2023, 3, 1), dt.date(2023, 3, 1)),
]


@pytest.mark.parametrize("f", FILTER_CASES, ids=lambda f: repr(f)[8:60])
def test_headline_matches_direct_sql_over_victims(con, f):
    clauses, params = ["report_date >= ? AND report_date < ?"], [f.start, f.end_exclusive]
    if not f.include_duplicates:
        clauses.append("duplicate_of IS NULL")
    for column, value in (("district_code", f.district_code), ("agency", f.agency)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if f.violence_type:
        clauses.append("list_contains(violence_types, ?)")
        params.append(f.violence_type)
    cases, victims, tppo = direct(con, f"""SELECT count(DISTINCT case_key), count(*),
                                          count(DISTINCT case_key) FILTER (WHERE is_tppo)
                                          FROM victims WHERE {' AND '.join(clauses)}""", params)
    row = q.headline(con, f).iloc[0]
    assert (row["kasus"], row["korban"], row["kasus_tppo"]) == (cases, victims, tppo)
    assert victims > 0


def test_monthly_totals_cover_every_month_and_add_up(con):
    monthly = q.monthly_totals(con, JAN_OCT_2024)
    assert len(monthly) == 10
    assert monthly["korban"].sum() == q.headline(con, JAN_OCT_2024)["korban"][0]
    assert monthly["provisional"].tolist()[-2:] == [True, True] and not monthly["provisional"].iloc[0]


def test_form_totals_count_a_victim_once_per_form(con):
    forms = q.form_totals(con, JAN_OCT_2024)
    expected = direct(con, """SELECT count(*) FROM (SELECT unnest(violence_types) FROM victims
                              WHERE report_date >= ? AND report_date < ? AND duplicate_of IS NULL)""",
                      [JAN_OCT_2024.start, JAN_OCT_2024.end_exclusive])[0]
    assert forms["victims"].sum() == expected
    assert forms["victims"].sum() > q.headline(con, JAN_OCT_2024)["korban"][0]  # some victims have two forms
    assert forms["violence_type"].tolist() == [v.code for v in vocab.violence_types()]


def test_form_filter_keeps_only_that_form_in_breakdowns(con):
    f = replace(JAN_OCT_2024, violence_type="fisik")
    assert set(q.form_months(con, f)["violence_type"]) == {"fisik"}
    assert set(q.form_districts(con, f)["violence_type"]) == {"fisik"}


def test_district_totals_list_every_kecamatan_and_sum_to_headline(con):
    districts = q.district_totals(con, JAN_OCT_2024)
    assert set(districts["district_code"]) == {d.code for d in vocab.districts()}
    assert districts["korban"].sum() == q.headline(con, JAN_OCT_2024)["korban"][0]
    assert districts["kasus"].is_monotonic_decreasing


def test_rates_per_10000_use_the_population_given(con):
    districts = q.district_totals(con, JAN_OCT_2024, (("15.71.01", 50_000),)).set_index("district_code")
    assert districts.loc["15.71.01", "korban_per_10rb"] == pytest.approx(districts.loc["15.71.01", "korban"] / 5)
    assert districts["korban_per_10rb"].isna().sum() == 10


def test_duplicates_toggle_adds_exactly_the_duplicate_records(con):
    with_dupes = q.headline(con, replace(JAN_OCT_2024, include_duplicates=True))["korban"][0]
    without = q.headline(con, JAN_OCT_2024)["korban"][0]
    dupes = direct(con, "SELECT count(*) FROM victims WHERE duplicate_of IS NOT NULL AND report_date >= ? "
                        "AND report_date < ?", [JAN_OCT_2024.start, JAN_OCT_2024.end_exclusive])[0]
    assert with_dupes - without == dupes > 0
    assert q.duplicate_pairs(con, JAN_OCT_2024)["pairs"].sum() == dupes


def test_year_over_year_previous_months_equal_the_previous_year_headline(con):
    yoy = q.year_over_year(con, JAN_OCT_2024)
    previous = yoy[yoy["which"] == "lalu"]
    assert previous["kasus"].sum() == q.headline(con, JAN_OCT_2024.previous_year())["kasus"][0]
    assert previous["korban_kumulatif"].iloc[-1] == previous["korban"].sum()
    assert sorted(set(previous["year"])) == [2023]


def test_recaps_are_their_own_series_and_never_in_the_headline(con):
    recap = q.recap_months(con, JAN_OCT_2024)
    assert set(recap["agency"]) == {"RSUD"} and recap["victims"].sum() > 0
    register_only = direct(con, "SELECT count(*) FROM victims WHERE duplicate_of IS NULL AND report_date >= ? "
                                "AND report_date < ?", [JAN_OCT_2024.start, JAN_OCT_2024.end_exclusive])[0]
    assert q.headline(con, JAN_OCT_2024)["korban"][0] == register_only


def test_age_sex_and_groups_add_up_to_all_victims(con):
    total = q.headline(con, JAN_OCT_2024)["korban"][0]
    assert q.age_sex(con, JAN_OCT_2024)["victims"].sum() == total
    assert q.victim_groups(con, JAN_OCT_2024)["victims"].sum() == total
    assert q.child_adult(con, JAN_OCT_2024)["victims"].sum() == total
    assert q.places_of_incident(con, JAN_OCT_2024)["victims"].sum() == total
    relationships = q.relationships(con, JAN_OCT_2024)
    assert relationships["victims"].sum() == total and relationships["label"].iloc[-1] == "Tidak diisi"


def test_submission_matrix_marks_received_replaced_and_missing(con):
    matrix = q.submission_matrix(con, JAN_OCT_2024)
    matrix = dict(zip(zip(matrix["agency"], matrix["month"].map(lambda m: m.date())), matrix["status"]))
    assert matrix[("UPTD_PPA", dt.date(2024, 3, 1))] == "diterima"
    assert matrix[("RSUD", dt.date(2024, 5, 1))] == "diganti"
    assert matrix[("PUSKESMAS", dt.date(2024, 5, 1))] == "belum ada"


def test_quality_tables_read_rejects_and_warnings(con):
    assert set(q.rejected_by_reason(con, JAN_OCT_2024)["reason"]) == {"bentuk_tidak_dikenal", "tanggal"}
    assert q.unknown_wordings(con, JAN_OCT_2024)["reason"].tolist() == ["bentuk_tidak_dikenal"]
    assert q.recap_total_mismatches(con, JAN_OCT_2024)["agency"].tolist() == ["RSUD"]


def test_victims_view_gives_every_age_its_band_and_one_row_per_record(tmp_path):
    edges = sorted({a for b in vocab.age_bands() for a in (b.min_age - 1, b.min_age, b.max_age, b.max_age + 1)})
    ages = [None, *edges]
    con = etl_db.connect(tmp_path / "ages.duckdb")
    try:
        con.executemany(f"INSERT INTO victim_records (victim_key, submission_id, agency, case_ref, case_key, report_date, incident_date, district_code, subdistrict_code, age, is_child, sex, violence_types, place_of_incident, relationship, services, notes, source_sheet, source_row, duplicate_of, perpetrators) VALUES ({', '.join('?' * 21)})", [
            (f"k{i}", "s", "UPTD_PPA", None, f"k{i}", dt.date(2024, 1, 1), None, "15.71.01", None, age,
             None if age is None else age < 18, "P", ["fisik"], None, None, [], None, "Register", i, None, [])
            for i, age in enumerate(ages)])
        got = dict(con.execute("SELECT source_row, age_band FROM victims").fetchall())
        child = dict(con.execute("SELECT source_row, is_child FROM victims").fetchall())
    finally:
        con.close()
    assert len(got) == len(ages)
    bands = {b.label: b.is_child for b in vocab.age_bands()}
    for i, age in enumerate(ages):
        assert got[i] == vocab.age_band_of(age), age
        assert child[i] == (bands[got[i]] if got[i] else (None if age is None else age < 18)), age


def test_quality_reason_codes_are_the_ones_the_parser_emits(tmp_path):
    today = dt.date(2024, 11, 15)
    recap = template.write_recap(tmp_path / "rekap.xlsx", [template.RecapMonth(
        dt.date(2024, 5, 1), {("15.71.01", "fisik", "P"): 2})], agency="RSUD")
    workbook = openpyxl.load_workbook(recap)
    workbook["Rekap"]["C18"] = 5  # a printed total the cells do not add up to
    workbook.save(recap)
    assert {w.reason for w in parse_workbook(recap, today=today).warnings} <= set(q.RECAP_TOTAL_REASONS)
    register = template.write_register(tmp_path / "reg.xlsx", [
        template.RegisterEntry("X-1", "06/06/2024", "Jelutung", "P", ("Santet",)),
        template.RegisterEntry("X-2", "06/06/2024", "Planet Mars", "P", ("Fisik",)),
        template.RegisterEntry("X-3", "06/06/2024", "Jelutong", "P", ("Fisik",)),
    ], agency="UPTD_PPA")
    parsed = parse_workbook(register, today=today)
    reasons = {p.reason for p in [*parsed.errors, *parsed.warnings]}
    assert reasons == {"bentuk_tidak_dikenal", "wilayah_tidak_dikenal", "wilayah_mirip"}
    assert reasons <= set(q.UNKNOWN_WORDING_REASONS)


def test_filter_values_are_parameters_not_sql(con):
    hostile = replace(JAN_OCT_2024, district_code="15.71.01' OR '1'='1", agency="x'); DROP TABLE meta; --")
    assert q.headline(con, hostile)["korban"][0] == 0
    assert direct(con, "SELECT count(*) FROM meta WHERE key = 'dataset'")[0] == 1  # the table is still there


def test_missing_database_is_an_indonesian_sentence(tmp_path):
    with pytest.raises(app_db.DatabaseMissing, match="Database belum ada"):
        with app_db.read_only(tmp_path / "nothing.duckdb"):
            pass


def test_reader_waits_for_a_load_and_then_releases_the_file(fixture_db, tmp_path):
    copy = tmp_path / "busy.duckdb"
    copy.write_bytes(fixture_db.read_bytes())
    writer = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, time, sys; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(1.5)"),
        str(copy)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "locked"
    started = time.monotonic()
    with app_db.read_only(copy, wait_seconds=10) as reader:
        assert reader.execute("SELECT count(*) FROM victims").fetchone()[0] > 0
    assert time.monotonic() - started > 0.3  # it had to wait for the writer
    writer.wait(timeout=10)
    etl_db.connect(copy).close()  # and once closed, a writer can open the file again


def test_database_version_changes_when_the_file_changes(fixture_db, tmp_path):
    copy = tmp_path / "v.duckdb"
    copy.write_bytes(fixture_db.read_bytes())
    before = app_db.database_version(copy)
    time.sleep(0.01)
    con = etl_db.connect(copy)
    con.execute("INSERT INTO meta VALUES ('touched', 'yes')")
    con.execute("CHECKPOINT")
    con.close()
    assert app_db.database_version(copy) != before


def test_a_run_shares_one_connection_and_sees_a_load_that_swaps_the_file_in(fixture_db, tmp_path):
    copy = tmp_path / "run.duckdb"
    copy.write_bytes(fixture_db.read_bytes())
    opened = app_db.connections_opened()
    with app_db.one_connection_per_run():
        with app_db.read_only(copy) as first:
            before = first.execute("SELECT count(*) FROM meta").fetchone()[0]
        with app_db.read_only(copy) as second:
            assert second is first
        assert app_db.connections_opened() - opened == 1
        with writer.writing(copy, backup=False) as con:  # a load during the run (the upload page)
            con.execute("INSERT INTO meta VALUES ('touched', 'yes')")
        with app_db.read_only(copy) as third:
            assert third.execute("SELECT count(*) FROM meta").fetchone()[0] == before + 1
        assert first.execute("SELECT count(*) FROM meta").fetchone()[0] == before  # still open, old file
        assert app_db.connections_opened() - opened == 2
    assert app_db.connections_open() == 0


def test_reads_of_one_file_version_share_one_attachment_and_release_the_file_when_done(fixture_db, tmp_path):
    """One process-wide DuckDB instance (its making costs ~30 ms a run); the file is attached while read, shared by
    concurrent reads of the same version, and detached after the last, so a writer can open it again."""
    copy = tmp_path / "shared.duckdb"
    copy.write_bytes(fixture_db.read_bytes())
    with app_db.read_only(copy) as first, app_db.read_only(copy) as second:
        assert first is not second
        assert first.execute("SELECT count(*) FROM victims").fetchone() == second.execute(
            "SELECT count(*) FROM victims").fetchone()
        assert [h.alias for h in app_db._handles.values() if h.key[0] == copy] == [
            first.execute("SELECT current_database()").fetchone()[0]]
        assert first.execute("SELECT current_setting('threads')").fetchone()[0] == app_db.READER_THREADS
    assert not [h for h in app_db._handles.values() if h.key[0] == copy]
    with writer.writing(copy, backup=False) as con:  # a load swaps a new file in: the next read attaches it
        con.execute("INSERT INTO meta VALUES ('touched', 'yes')")
    with app_db.read_only(copy) as third:
        assert third.execute("SELECT value FROM meta WHERE key = 'touched'").fetchone() == ("yes",)
    etl_db.connect(copy).close()  # nothing holds the file once the reads have ended


# tppo_victims as migration 5 defined it: the TPPO records joined to the whole victims view (the contract's wording).
TPPO_VICTIMS_BY_JOIN = """
    SELECT r.victim_key, r.case_key, r.agency, r.report_date, v.month, r.district_code, v.district, r.age,
           v.age_band, v.is_child, r.sex, r.violence_types, r.tppo_purpose AS purpose, r.tppo_channel AS channel,
           r.destination_kind, r.destination, coalesce(r.recruited_as_child, v.is_child) AS child_when_recruited,
           r.repatriated, r.repatriated_from, r.duplicate_of, r.submission_id, r.source_sheet, r.source_row
    FROM (SELECT * FROM victim_records WHERE list_contains(violence_types, 'tppo')) r
    JOIN victims v USING (victim_key)"""


def test_tppo_victims_are_the_tppo_records_joined_to_victims(con, demo_con, fixture_db, tmp_path):
    """Migration 8 reads tppo_victims in one scan; its rows are still those of the join, column for column, on the
    demo, the fixture, and a copy where ages fall outside every band, at band edges, or are missing."""
    copy = tmp_path / "ages.duckdb"
    copy.write_bytes(fixture_db.read_bytes())
    edited = etl_db.connect(copy)
    edited.execute("""UPDATE victim_records SET violence_types = list_append(violence_types, 'tppo'),
                      age = CASE row_number % 6 WHEN 0 THEN NULL WHEN 1 THEN 17 WHEN 2 THEN 18 WHEN 3 THEN 250
                                 WHEN 4 THEN -1 ELSE age END,
                      is_child = CASE WHEN row_number % 4 = 0 THEN true END,
                      recruited_as_child = CASE WHEN row_number % 5 = 0 THEN false END
                      FROM (SELECT victim_key AS k, row_number() OVER (ORDER BY victim_key) AS row_number
                            FROM victim_records) n WHERE n.k = victim_records.victim_key
                        AND NOT list_contains(violence_types, 'tppo')""")
    try:
        for connection in (con, demo_con, edited):
            view = connection.execute("SELECT * FROM tppo_victims ORDER BY victim_key").df()
            assert len(view) > 0
            joined = connection.execute(f"SELECT * FROM ({TPPO_VICTIMS_BY_JOIN}) ORDER BY victim_key").df()
            pd.testing.assert_frame_equal(view, joined)
        assert edited.execute("SELECT count(DISTINCT age_band IS NULL), count(DISTINCT child_when_recruited) "
                              "FROM tppo_victims").fetchone() == (2, 2)
    finally:
        edited.close()


@pytest.mark.parametrize("f", FILTER_CASES, ids=lambda f: repr(f)[8:60])
def test_duplicate_pairs_equal_the_victims_view_joined_to_itself(con, demo_con, f):
    """duplicate_pairs reads the primary's agency from its record; the pairs are those of the view's self-join."""
    where, params = q._victim_where(replace(f, include_duplicates=True), "d")
    for connection in (con, demo_con):
        expected = connection.execute(f"""
            SELECT d.agency, p.agency AS primary_agency, count(*) AS pairs
            FROM victims d JOIN victims p ON p.victim_key = d.duplicate_of
            WHERE d.duplicate_of IS NOT NULL AND {where} GROUP BY ALL ORDER BY pairs DESC, d.agency, p.agency
        """, params).df()
        got = q.duplicate_pairs(connection, f)
        pd.testing.assert_frame_equal(
            got.sort_values(["pairs", "agency", "primary_agency"], ascending=[False, True, True], ignore_index=True),
            expected)
    assert len(q.duplicate_pairs(demo_con, JAN_OCT_2024)) > 0


def test_demo_reproduces_the_published_figures(demo_db_master):
    with app_db.read_only(demo_db_master) as con:
        jan_oct = q.headline(con, JAN_OCT_2024).iloc[0]
        assert (jan_oct["kasus"], jan_oct["kasus_tppo"]) == (149, 22)
        assert q.headline(con, q.Filters(dt.date(2023, 1, 1), dt.date(2023, 12, 1)))["kasus"][0] == 96
        jan_aug = q.Filters(dt.date(2024, 1, 1), dt.date(2024, 8, 1))
        assert q.headline(con, jan_aug)["kasus"][0] == 117
        by_name = q.district_totals(con, jan_aug).set_index("district")["kasus"]
        assert by_name["Alam Barajo"] == 29 and by_name["Kota Baru"] == 18 and by_name["Pasar Jambi"] == 0


RECAP_FILTERS = [JAN_OCT_2024, q.Filters(dt.date(2015, 1, 1), dt.date(2030, 12, 1)),
                 q.Filters(dt.date(2024, 3, 1), dt.date(2024, 3, 1)),
                 q.Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1), district_code="15.71.09"),
                 q.Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1), violence_type="fisik", agency="RSUD")]


def _recap_months_from_the_view(con, f: q.Filters) -> pd.DataFrame:
    """recap_months as it was: the recap branch of the monthly_counts view (the contract)."""
    clauses, params = ["source = 'recap'", "month >= ?", "month < ?"], [f.start, f.end_exclusive]
    for column, value in (("district_code", f.district_code), ("violence_type", f.violence_type),
                          ("agency", f.agency)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    return con.execute(f"SELECT month, agency, CAST(sum(victims) AS BIGINT) AS victims FROM monthly_counts "
                       f"WHERE {' AND '.join(clauses)} GROUP BY ALL ORDER BY agency, month", params).df()


@pytest.mark.parametrize("f", RECAP_FILTERS, ids=range(len(RECAP_FILTERS)))
def test_recap_months_equal_the_monthly_counts_view(con, demo_con, f):
    for connection in (con, demo_con):
        pd.testing.assert_frame_equal(q.recap_months(connection, f), _recap_months_from_the_view(connection, f))


def test_a_recap_month_with_a_register_is_left_out(fixture_db, tmp_path):
    """The recap of an agency-month that also has register rows is not drawn (the case the view's anti-join is
    for): a register row added in a recap month removes that month from recap_months, as from the view."""
    copy = tmp_path / "ppa.duckdb"
    copy.write_bytes(fixture_db.read_bytes())
    connection = etl_db.connect(copy)
    try:
        before = q.recap_months(connection, JAN_OCT_2024)
        agency, month = before["agency"].iloc[0], before["month"].iloc[0]
        connection.execute("""INSERT INTO victim_records BY NAME
                              SELECT * REPLACE ('extra' AS victim_key, ? AS agency, ? + INTERVAL 14 DAY AS report_date)
                              FROM victim_records LIMIT 1""", [agency, month])
        after = q.recap_months(connection, JAN_OCT_2024)
        assert len(after) == len(before) - 1
        assert not ((after["agency"] == agency) & (after["month"] == month)).any()
        pd.testing.assert_frame_equal(after, _recap_months_from_the_view(connection, JAN_OCT_2024))
    finally:
        connection.close()


def _funnel(con, f: q.Filters, part: str):
    """One of the two funnels stage_funnels reads together, outside any section."""
    return q.stage_funnels(con, f)[part]


def _two_period_table(con, f: q.Filters, baseline: q.Filters, name: str):
    """One of the tables two_periods reads together, outside any section (tests/test_planning.py checks them against
    SQL on the view)."""
    return q.two_periods(con, f, baseline)[name]


def _tppo_detail(con, f: q.Filters, name: str):
    """One of the tables tppo_details reads together, outside any section."""
    return q.tppo_details(con, f)[name]


def _section_cases(f: q.Filters) -> dict:
    """Each section with its arguments, and what it must equal: the named queries on the same arguments."""
    previous, tppo = f.previous_year(), f.only_tppo()
    baseline = q.Filters(q.add_months(f.start, -7), q.add_months(f.end, -7))  # overlaps the period when long
    return {
        "summary": ((f,), {"headline": (q.headline, f), "headline_previous": (q.headline, previous),
                           "monthly_totals": (q.monthly_totals, f), "district_totals": (q.district_totals, f),
                           "form_totals": (q.form_totals, f), "perpetrator_totals": (q.perpetrator_totals, f),
                           "perpetrator_totals_previous": (q.perpetrator_totals, previous)}),
        "trend": ((f, baseline), {"monthly_totals": (q.monthly_totals, f), "form_months": (q.form_months, f),
                                  "year_over_year": (q.year_over_year, f), "headline": (q.headline, f),
                                  "headline_baseline": (q.headline, baseline),
                                  "district_comparison": (_two_period_table, f, baseline, "district_comparison"),
                                  "form_comparison": (_two_period_table, f, baseline, "form_comparison"),
                                  "recap_months": (q.recap_months, f)}),
        "form_breakdowns": ((f,), {"form_totals": (q.form_totals, f), "form_months": (q.form_months, f),
                                   "form_districts": (q.form_districts, f)}),
        "tppo_overview": ((tppo,), {"headline": (q.headline, tppo),
                                    "headline_previous": (q.headline, tppo.previous_year()),
                                    "monthly_totals": (q.monthly_totals, tppo), "age_sex": (q.age_sex, tppo),
                                    "district_totals": (q.district_totals, tppo)}),
        "planning": ((f, baseline, "lembaga", "bentuk"), {
            "headline": (q.headline, f), "headline_baseline": (q.headline, baseline),
            "district_comparison": (_two_period_table, f, baseline, "district_comparison"),
            "form_comparison": (_two_period_table, f, baseline, "form_comparison"),
            "service_coverage": (q.service_coverage, f, "lembaga"), "reporting_delay": (q.reporting_delay, f, "bentuk")}),
        "data_quality": ((f,), {name: (getattr(q, name), f) for name in (
            "submission_matrix", "unknown_wordings", "recap_total_mismatches", "rejected_by_reason", "duplicate_pairs",
            "warnings_by_reason")}),
        "forms_and_tppo": ((f,), {"form_totals": (q.form_totals, f), "form_months": (q.form_months, f),
                                  "form_districts": (q.form_districts, f), "tppo_headline": (q.headline, tppo),
                                  "tppo_headline_previous": (q.headline, tppo.previous_year()),
                                  "tppo_monthly_totals": (q.monthly_totals, tppo), "tppo_age_sex": (q.age_sex, tppo),
                                  "tppo_district_totals": (q.district_totals, tppo)}),
        "victim_profile": ((f,), {name: (getattr(q, name), f) for name in (
            "age_sex", "child_adult", "victim_groups", "places_of_incident", "relationships", "perpetrator_age_sex",
            "perpetrator_child_adult", "perpetrator_relationships")}),
        "task_force": ((f, baseline), {"tppo_two_periods": (q.tppo_two_periods, f, baseline),
                                       "funnel_tppo": (_funnel, f, "tppo"), "funnel_all": (_funnel, f, "all"),
                                       **{name: (_tppo_detail, f, name) for name in q.TPPO_GROUPINGS}}),
    }


@pytest.mark.parametrize("f", [*FILTER_CASES, replace(JAN_OCT_2024, violence_type="tppo", district_code="15.71.01"),
                               q.Filters(dt.date(2023, 1, 1), dt.date(2024, 12, 1))], ids=lambda f: repr(f)[8:60])
def test_every_section_gives_the_frames_of_its_queries(con, demo_con, f):
    """A section reads each view once into a temporary table and runs its queries on it: every frame equals the
    query's on the view (values, order, columns and types), on the fixture and the demo, for periods and filters of
    every kind (a comparison period overlapping the period included); the temporary tables are gone afterwards."""
    for connection in (con, demo_con):
        for name, (args, expected) in _section_cases(f).items():
            got = getattr(q, name)(connection, *args)
            assert list(got) == list(expected), name
            for key, (query, *query_args) in expected.items():
                pd.testing.assert_frame_equal(got[key], query(connection, *query_args), obj=f"{name}[{key}]")
            assert connection.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)
    assert q.task_force(demo_con, JAN_OCT_2024, JAN_OCT_2024.previous_year())["purpose"]["victims"].sum() > 0


def test_sections_read_through_the_dashboard_s_run_connection(demo_db_master):
    """On the read-only attachment a page run shares (report/db.py), a section's temporary tables live in the run's
    own connection and are dropped when it ends; a query reading a column the section did not keep fails loudly."""
    with app_db.one_connection_per_run():
        with app_db.read_only(demo_db_master) as con:
            profile = q.victim_profile(con, JAN_OCT_2024)
            assert profile["age_sex"]["victims"].sum() == q.headline(con, JAN_OCT_2024)["korban"][0]
            with q._keeping(con, "victims", ("case_key",), [JAN_OCT_2024]):
                assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (1,)
                with pytest.raises(Exception, match="age_band"):
                    q.age_sex(con, JAN_OCT_2024)
            assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)


def test_a_section_s_parts_run_at_once_each_on_a_connection_of_its_own(demo_db_master):
    """_at_once runs the other parts while the caller's runs, each on a cursor of its own reading the caller's
    catalog and copies, keeping rows only on its own connection; frames in the parts' order. A barrier both parts
    must reach together fails the test if they ran one after the other."""
    together = threading.Barrier(3, timeout=60)

    def part(name: str):
        def run(con):
            together.wait()
            with q._keeping(con, "victims", ("case_key", "is_tppo", "is_child"), [JAN_OCT_2024]):
                kept = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
                return {name: pd.DataFrame({"connection": [id(con)], "catalog": [con.execute(
                    "SELECT current_database()").fetchone()[0]], "kept_here": [kept],
                    "copy": [q._source("victims")], "thread": [threading.get_ident()]}),
                    f"{name}_headline": q.headline(con, JAN_OCT_2024)}
        return run

    with app_db.reading(demo_db_master):
        pass
    app_db.wait_for_copies()  # the dashboard's in-memory copies of this file version
    with app_db.one_connection_per_run():
        with app_db.reading(demo_db_master) as (con, copies), q.reading_copies(copies):
            frames = q._at_once(con, part("here"), part("there"), part("yonder"))
            catalog = con.execute("SELECT current_database()").fetchone()[0]
            assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)
    assert list(frames) == ["here", "here_headline", "there", "there_headline", "yonder", "yonder_headline"]
    rows = pd.concat([frames[name] for name in ("here", "there", "yonder")])
    assert rows["connection"].iloc[0] == id(con) and rows["connection"].nunique() == 3
    assert rows["thread"].iloc[0] == threading.get_ident() and rows["thread"].nunique() == 3
    assert copies["victims"] != "victims"
    assert set(rows["catalog"]) == {catalog} and set(rows["copy"]) == {copies["victims"]}
    assert set(rows["kept_here"]) == {1}  # each part sees only its own kept rows
    for name in ("there", "yonder"):
        pd.testing.assert_frame_equal(frames[f"{name}_headline"], frames["here_headline"])


def test_a_failing_part_fails_the_section_after_every_part_has_ended(demo_db_master):
    """An error in another part reaches the caller once its own part is done; an error in the caller's part waits
    for the other parts (they read the caller's connection's database) before it is raised."""
    ended = []

    def slow(con):
        time.sleep(0.3)
        ended.append("slow")
        return {"slow": q.headline(con, JAN_OCT_2024)}

    def failing(con):
        raise ValueError("bagian gagal")

    with app_db.one_connection_per_run():
        with app_db.read_only(demo_db_master) as con:
            with pytest.raises(ValueError, match="bagian gagal"):
                q._at_once(con, slow, failing)
            assert ended == ["slow"]
            with pytest.raises(ValueError, match="bagian gagal"):
                q._at_once(con, failing, slow)
            assert ended == ["slow", "slow"]
            assert list(q._at_once(con, slow)) == ["slow"]


def test_tppo_details_count_each_tppo_victim_once_per_table_with_odd_codes(demo_db):
    """tppo_details labels DuckDB's counts in Python: checked against SQL on the view, with codes the lists do not
    know, unnamed places and unknown answers written into the demo's TPPO records."""
    where = "duplicate_of IS NULL AND report_date >= '2024-01-01' AND report_date < '2025-01-01'"

    def rows(con, sql):
        return con.execute(sql).fetchall()

    with etl_db.connect(demo_db, read_only=True) as con:
        keys = [k for (k,) in rows(con, f"SELECT victim_key FROM tppo_victims WHERE {where} ORDER BY victim_key")]
    with writer.writing(demo_db, backup=False) as w:
        for setter, chosen in (("tppo_purpose = 'kode_asing'", keys[0:2]), ("destination = 'ZZ9'", keys[2:5]),
                               ("repatriated = TRUE, repatriated_from = 'ZZ9'", keys[5:7]),
                               ("repatriated = TRUE, repatriated_from = NULL", keys[7:8]),
                               ("repatriated = NULL", keys[8:10]), ("recruited_as_child = NULL, age = NULL", keys[10:11])):
            w.execute(f"UPDATE victim_records SET {setter} WHERE victim_key IN (SELECT unnest(?))", [chosen])
    f = q.Filters(dt.date(2024, 1, 1), dt.date(2024, 12, 1))
    con = etl_db.connect(demo_db, read_only=True)
    tables = q.tppo_details(con, f)
    total = rows(con, f"SELECT count(*) FROM tppo_victims WHERE {where}")[0][0]
    assert total == len(keys) > 10
    for column, list_name in q.TPPO_BREAKDOWNS.items():
        entries = vocab.case_detail_labels(list_name)
        table = tables[column]
        assert list(table["code"]) == [*entries, q.NOT_FILLED] and table["label"].iloc[-1] == "Tidak diisi"
        known = dict(rows(con, f"SELECT coalesce({column}, '{q.NOT_FILLED}'), count(*) FROM tppo_victims "
                                 f"WHERE {where} GROUP BY 1"))
        assert dict(zip(table["code"], table["victims"])) == {code: known.get(code, 0) for code in table["code"]}
    assert tables["purpose"]["victims"].sum() == total - 2  # 'kode_asing' is in no list: not shown
    destinations = tables["destinations"]
    assert dict(zip(destinations["destination"], destinations["victims"])) == dict(rows(
        con, f"SELECT destination, count(*) FROM tppo_victims WHERE {where} AND destination IS NOT NULL GROUP BY 1"))
    unknown = destinations[destinations["destination"] == "ZZ9"].iloc[0]
    assert unknown["label"] == "ZZ9" and pd.isna(unknown["destination_kind"]) and unknown["victims"] == 3
    assert list(destinations["victims"]) == sorted(destinations["victims"], reverse=True)
    children = dict(zip(tables["children"]["age_group"], tables["children"]["victims"]))
    assert sum(children.values()) == total and children["Tidak diketahui"] >= 1
    back = tables["repatriations"]
    assert back["victims"].sum() == total
    assert back["repatriated"].tolist() == sorted(back["repatriated"], key=["ya", "tidak", "tidak_diisi"].index)
    named = dict(zip(back["label"][back["repatriated"] == "ya"], back["victims"][back["repatriated"] == "ya"]))
    assert named["Tidak disebut"] == rows(con, f"SELECT count(*) FROM tppo_victims WHERE {where} AND repatriated "
                                                 "AND (repatriated_from IS NULL OR repatriated_from = 'ZZ9')")[0][0]
    assert back[back["repatriated"] == "tidak_diisi"]["label"].tolist() == ["Tidak diisi"]
    con.close()
