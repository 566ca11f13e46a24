"""The demo database reproduces the published figures (DOMAIN.md), counted as the views' contract says."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from etl import demo, vocab

CASES = "count(DISTINCT case_key) FILTER (WHERE duplicate_of IS NULL)"


def cases(demo_con, first, last, extra=""):
    return demo_con.execute(f"SELECT {CASES} FROM victims WHERE report_date BETWEEN ? AND ? {extra}",
                       [first, last]).fetchone()[0]


def test_96_cases_in_2023(demo_con):
    assert cases(demo_con, "2023-01-01", "2023-12-31") == 96


def test_117_cases_jan_aug_2024_with_the_published_kecamatan_split(demo_con):
    assert cases(demo_con, "2024-01-01", "2024-08-31") == 117
    split = dict(demo_con.execute(f"SELECT district, {CASES} FROM victims WHERE report_date BETWEEN '2024-01-01' "
                             "AND '2024-08-31' GROUP BY district").fetchall())
    names = {d.code: d.name for d in vocab.districts()}
    expected = {names[code]: n for code, n in demo.CASES_JAN_AUG_2024.items() if n}
    assert split == expected
    assert split["Alam Barajo"] == 29 and split["Kota Baru"] == 18 and "Pasar Jambi" not in split   # DOMAIN.md
    assert set(demo.CASES_JAN_AUG_2024) == set(names)


def test_149_cases_jan_oct_2024_of_which_22_tppo(demo_con):
    assert cases(demo_con, "2024-01-01", "2024-10-31") == 149
    tppo = demo_con.execute(f"SELECT {CASES} FROM victims WHERE report_date BETWEEN '2024-01-01' AND '2024-10-31' "
                       "AND case_key IN (SELECT case_key FROM victims WHERE is_tppo)").fetchone()[0]
    assert tppo == 22


def test_earlier_years_rise_towards_2023(demo_con):
    per_year = [cases(demo_con, f"{y}-01-01", f"{y}-12-31") for y in range(2019, 2024)]
    assert per_year == sorted(per_year) and per_year[0] >= 60


def test_planted_duplicates_are_found_and_no_others(demo_con):
    found = set(demo_con.execute("""
        SELECT s.agency, s.case_ref, p.agency, p.case_ref, p.sex, p.age
        FROM victims s JOIN victims p ON p.victim_key = s.duplicate_of""").fetchall())
    planted = demo.demo_plan().planted_pairs()
    assert len(planted) > 30
    assert found == planted


def test_every_case_keeps_its_victims_in_one_kecamatan_and_month(demo_con):
    spread = demo_con.execute("SELECT max(d), max(m) FROM (SELECT count(DISTINCT district_code) d, count(DISTINCT month) m "
                         "FROM victims GROUP BY case_key)").fetchone()
    assert spread == (1, 1)


def test_mix_of_victims_looks_like_the_domain(demo_con):
    female, children_sexual, two_victims, two_forms = demo_con.execute("""
        SELECT avg((sex = 'P')::INT),
               avg(is_child::INT) FILTER (WHERE list_contains(violence_types, 'seksual')),
               (SELECT count(*) FROM (SELECT case_key FROM victims GROUP BY 1 HAVING count(*) > 1)),
               count(*) FILTER (WHERE len(violence_types) > 1)
        FROM victims WHERE duplicate_of IS NULL""").fetchone()
    assert 0.75 <= female <= 0.85
    assert children_sexual > 0.6
    assert two_victims >= 10 and two_forms >= 50


def test_database_and_files_are_labelled_synthetic(demo_con, demo_db_master):
    assert demo_con.execute("SELECT value FROM meta WHERE key = 'dataset'").fetchone() == ("demo",)
    samples = sorted((demo_db_master.parent / "samples").glob("contoh-*.xlsx"))
    assert len(samples) > 100
    assert {s.name.split("-")[1] for s in samples} == {"uptd_ppa", "polresta", "dinsos", "lsm", "rsud", "puskesmas"}
    for path in samples[:: len(samples) // 5]:
        wb = load_workbook(path, read_only=True)
        assert demo.SYNTHETIC_MARK in wb.worksheets[0]["A1"].value
        wb.close()


def test_both_shapes_are_loaded_and_one_correction_replaced_a_draft(demo_con):
    shapes = dict(demo_con.execute("SELECT shape, count(*) FROM submissions GROUP BY 1").fetchall())
    assert shapes["register"] > 50 and shapes["recap"] > 10
    assert demo_con.execute("SELECT count(*) FROM submissions WHERE status = 'superseded'").fetchone()[0] == 1
    assert demo_con.execute("SELECT min(month), max(month) FROM victims").fetchone() == (
        demo.FIRST_MONTH, demo.LAST_MONTH)


def test_the_plan_is_deterministic():
    a, b = demo.demo_plan(), demo.demo_plan()
    assert [(c.agency, c.ref, c.report_date, [(v.sex, v.age, v.forms) for v in c.victims]) for c in a.cases] == \
           [(c.agency, c.ref, c.report_date, [(v.sex, v.age, v.forms) for v in c.victims]) for c in b.cases]


def test_receipt_dates_make_compliance_show_on_time_and_late_reports(demo_con):
    import datetime as dt

    from etl import compliance

    statuses = {s.status for s in compliance.compliance(demo_con, dt.date(2024, 1, 1), dt.date(2024, 10, 1),
                                                         today=dt.date(2024, 12, 31))}
    assert {compliance.ON_TIME, compliance.LATE} <= statuses
    first_receipt = demo_con.execute("SELECT min(loaded_at) FROM submissions").fetchone()[0]
    assert first_receipt.year == 2019  # received over the years, not all at build time


def test_receipt_dates_keep_the_draft_before_its_correction(demo_con):
    draft, correction = demo_con.execute(
        "SELECT max(loaded_at) FILTER (WHERE file_name LIKE '%draf%'), "
        "max(loaded_at) FILTER (WHERE superseded_by IS NULL AND agency = 'UPTD_PPA' "
        "AND list_contains(months, DATE '2024-03-01')) FROM submissions").fetchone()
    assert draft < correction


def test_demo_carries_rejected_rows_and_a_spelling_warning_without_changing_the_figures(demo_con):
    reasons = {r for (r,) in demo_con.execute("SELECT reason FROM rejected_rows").fetchall()}
    assert {"wilayah_luar", "bentuk_tidak_dikenal", "umur"} <= reasons
    assert demo_con.execute("SELECT count(*) FROM load_warnings WHERE reason = 'wilayah_mirip'").fetchone()[0] >= 1
    assert demo_con.execute("SELECT count(*) FROM victims WHERE case_ref LIKE 'DS-SALAH-%'").fetchone()[0] == 0


def test_every_victim_record_has_its_own_key(demo_con):
    # victim_key is unique by construction (migration 3 dropped the index that enforced it)
    assert demo_con.execute("SELECT count(*) = count(DISTINCT victim_key) AND count(*) > 500 "
                            "FROM victim_records").fetchone()[0]


def test_services_and_reporting_delays_look_like_real_registers(demo_con):
    coverage, after_report, q1, median, q3, with_both = demo_con.execute("""
        SELECT avg((len(services) > 0)::INT), count(*) FILTER (WHERE incident_date > report_date),
               quantile_cont(report_date - incident_date, 0.25), median(report_date - incident_date),
               quantile_cont(report_date - incident_date, 0.75), count(incident_date)
        FROM victims WHERE duplicate_of IS NULL""").fetchone()
    assert 0.6 <= coverage <= 0.9                  # not every victim's services are recorded
    assert after_report == 0 and with_both > 400   # incidents happen before they are reported
    assert q1 <= 7 and median >= 7 and q3 >= 30    # days to report: mostly days, a tail of weeks and months
