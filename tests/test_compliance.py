"""Reporting compliance on a real database: on time, late, missing, not yet due; reminders ready to paste."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import compliance
from etl import db as dbmod

D = dt.date


@pytest.fixture()
def con(tmp_path):
    con = dbmod.connect(tmp_path / "ppa.duckdb")

    def submit(sid, agency, months, loaded_at, status="active"):
        con.execute("INSERT INTO submissions VALUES (?, ?, ?, '.xlsx', 'register', ?, ?, ?, NULL, 1, 1, 0, '{}')",
                    [sid, agency, f"{sid}.xlsx", months, loaded_at, status])

    submit("a1", "UPTD_PPA", [D(2024, 9, 1), D(2024, 10, 1)], dt.datetime(2024, 11, 10, 16, 0))   # Sep late, Oct on time
    submit("a2", "UPTD_PPA", [D(2024, 10, 1)], dt.datetime(2024, 11, 20), "superseded")
    submit("p1", "POLRESTA", [D(2024, 10, 1)], dt.datetime(2024, 11, 11, 8, 0))                   # a day late
    submit("r1", "RSUD", [D(2024, 9, 1)], dt.datetime(2024, 10, 1))
    submit("r2", "RSUD", [D(2024, 10, 1)], dt.datetime(2024, 11, 2), "undone")                    # undone: not received
    yield con
    con.close()


def table(statuses):
    return {(s.agency, s.month.month): s.status for s in statuses}


def test_statuses_per_agency_and_month(con):
    got = table(compliance.compliance(con, D(2024, 9, 1), D(2024, 11, 1), today=D(2024, 12, 5)))
    assert got[("UPTD_PPA", 9)] == compliance.LATE
    assert got[("UPTD_PPA", 10)] == compliance.ON_TIME          # due 10 Nov; the first receipt counts
    assert got[("POLRESTA", 10)] == compliance.LATE
    assert got[("POLRESTA", 9)] == compliance.MISSING
    assert got[("RSUD", 9)] == compliance.ON_TIME
    assert got[("RSUD", 10)] == compliance.MISSING              # its only file was undone
    assert got[("UPTD_PPA", 11)] == compliance.NOT_DUE          # due 10 December, today is the 5th
    assert got[("LSM", 10)] == compliance.MISSING
    assert len(got) == 6 * 3


def test_today_decides_missing_versus_not_yet_due(con):
    assert table(compliance.compliance(con, D(2024, 11, 1), D(2024, 11, 1), D(2024, 12, 10)))[("LSM", 11)] \
        == compliance.NOT_DUE
    assert table(compliance.compliance(con, D(2024, 11, 1), D(2024, 11, 1), D(2024, 12, 11)))[("LSM", 11)] \
        == compliance.MISSING


@pytest.mark.parametrize("month, day, due", [
    (D(2024, 1, 1), 10, D(2024, 2, 10)), (D(2024, 1, 1), 31, D(2024, 2, 29)), (D(2023, 1, 1), 30, D(2023, 2, 28)),
    (D(2024, 12, 1), 5, D(2025, 1, 5)),
])
def test_due_date_is_in_the_next_month_and_clamped(month, day, due):
    assert compliance.due_date(month, day) == due


def test_reminders_are_ready_to_paste(con):
    statuses = compliance.compliance(con, D(2024, 9, 1), D(2024, 10, 1), today=D(2024, 12, 5))
    texts = compliance.reminders(statuses)
    assert set(texts) == {"UPTD_PPA", "POLRESTA", "RSUD", "PUSKESMAS", "DINSOS", "LSM"}
    assert texts["RSUD"] == (
        "Yth. Bapak/Ibu pengelola data RSUD Kota Jambi,\n"
        "laporan bulan Oktober 2024 belum kami terima (batas pengiriman 10 November 2024). Mohon laporan tersebut "
        "dikirim secepatnya dengan template resmi.\n"
        "Terima kasih atas kerja samanya.\nDPMPPA Kota Jambi")
    assert "laporan bulan September 2024 belum kami terima" in texts["POLRESTA"]
    assert "Selain itu, laporan bulan Oktober 2024 sudah kami terima tetapi melewati batas" in texts["POLRESTA"]
    assert texts["UPTD_PPA"].startswith("Yth. Bapak/Ibu pengelola data UPTD Perlindungan Perempuan dan Anak")
    assert "Laporan bulan September 2024 sudah kami terima tetapi melewati batas" in texts["UPTD_PPA"]
    assert "September 2024 dan Oktober 2024 belum kami terima" in texts["LSM"]


def test_no_reminder_when_everyone_is_on_time(con):
    statuses = compliance.compliance(con, D(2024, 9, 1), D(2024, 9, 1), today=D(2024, 10, 5))
    assert compliance.reminders([s for s in statuses if s.agency == "RSUD"]) == {}


def test_month_runs_are_written_compactly():
    months = [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 5, 1)]
    assert compliance.months_text(months) == "Januari – Maret 2024 dan Mei 2024"
    assert compliance.months_text([D(2023, 12, 1), D(2024, 1, 1), D(2024, 2, 1)]) == "Desember 2023 – Februari 2024"


def test_default_period_ends_with_the_latest_month_due(con):
    assert compliance.default_period(con, D(2024, 12, 5)) == (D(2023, 11, 1), D(2024, 10, 1))
    assert compliance.default_period(con, D(2024, 10, 20)) == (D(2023, 10, 1), D(2024, 9, 1))
