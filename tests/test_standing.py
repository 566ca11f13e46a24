"""Which file stands for each agency × month, as the data-quality page and the 'missing reports' note show it:
both ask the ledger (etl.ledger.standing_by_month), so a file partly replaced by a later one counts only for the
months it still stands for (issue 15, one submission ledger)."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import db as dbmod
from etl import ledger
from report import queries as q

D = dt.date


@pytest.fixture()
def con(tmp_path):
    con = dbmod.connect(tmp_path / "ppa.duckdb")
    subs = []

    def submit(sid, agency, shape, months, loaded_at, undone=False):
        con.execute("INSERT INTO submissions VALUES (?, ?, ?, '.xlsx', ?, ?, ?, ?, NULL, 1, 1, 0, '{}')",
                    [sid, agency, f"{sid}.xlsx", shape, months, loaded_at, "undone" if undone else "active"])
        subs.append((agency, shape))

    # January to March in one register, then a revision of February alone: the first file stands for January
    # and March only (it stays 'active'), the revision for February
    submit("jan_mar", "UPTD_PPA", "register", [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)], dt.datetime(2024, 4, 1))
    submit("feb_fix", "UPTD_PPA", "register", [D(2024, 2, 1)], dt.datetime(2024, 4, 5))
    # a recap of January beside the register: a register and a recap never replace each other
    submit("jan_recap", "UPTD_PPA", "recap", [D(2024, 1, 1)], dt.datetime(2024, 4, 2))
    # March again, then undone: it stands for nothing, and replaced nothing
    submit("mar_undone", "UPTD_PPA", "register", [D(2024, 3, 1)], dt.datetime(2024, 4, 9), undone=True)
    # the police sent March twice: the second replaced the first whole
    submit("pol_1", "POLRESTA", "register", [D(2024, 3, 1)], dt.datetime(2024, 4, 3))
    submit("pol_2", "POLRESTA", "register", [D(2024, 3, 1)], dt.datetime(2024, 4, 4))
    for agency, shape in set(subs):  # statuses as the loader leaves them
        ledger.recompute_statuses(con, agency, shape)
    yield con
    con.close()


def test_the_ledger_says_which_file_stands_for_each_month(con):
    assert con.execute("SELECT status FROM submissions WHERE submission_id = 'jan_mar'").fetchone() == ("active",)
    standing = {(s.agency, s.shape, s.month.month): (s.submission_id, s.replaced)
                for s in ledger.standing_by_month(con)}
    assert standing == {
        ("UPTD_PPA", "register", 1): ("jan_mar", 0), ("UPTD_PPA", "register", 2): ("feb_fix", 1),
        ("UPTD_PPA", "register", 3): ("jan_mar", 0), ("UPTD_PPA", "recap", 1): ("jan_recap", 0),
        ("POLRESTA", "register", 3): ("pol_2", 1)}
    assert [s.month for s in ledger.standing_by_month(con, D(2024, 2, 1), D(2024, 3, 1))] == [D(2024, 2, 1)]


def test_a_partly_replaced_file_counts_only_for_the_months_it_still_stands_for(con):
    matrix = q.submission_matrix(con, q.Filters(D(2024, 1, 1), D(2024, 4, 1)))
    got = {(a, m.month): (status, active, replaced, shapes) for a, m, status, active, replaced, shapes in zip(
        matrix["agency"], matrix["month"], matrix["status"], matrix["active_files"], matrix["replaced_files"],
        matrix["shapes"])}
    assert got[("UPTD_PPA", 1)] == ("diterima", 2, 0, "recap, register")
    assert got[("UPTD_PPA", 2)] == ("diganti", 1, 1, "register")     # not two active files
    assert got[("UPTD_PPA", 3)] == ("diterima", 1, 0, "register")    # the undone file neither stands nor replaced
    assert got[("POLRESTA", 3)] == ("diganti", 1, 1, "register")
    assert got[("POLRESTA", 2)][0] == got[("UPTD_PPA", 4)][0] == "belum ada"


def test_missing_reports_are_the_months_no_file_stands_for(con):
    missing = q.missing_recent_reports(con)
    by_month = {}
    for month, agency in zip(missing["month"], missing["agency"]):
        by_month.setdefault(month.month, set()).add(agency)
    # the latest month a file stands for is March; every expected agency is expected from January on
    assert set(by_month) == {1, 2, 3}
    assert "UPTD_PPA" not in set().union(*by_month.values())
    assert "POLRESTA" in by_month[1] and "POLRESTA" in by_month[2] and "POLRESTA" not in by_month[3]
