"""The dashboard's in-memory copies of the views (report/db.py ``reading``): the same rows, the same frames, made
again after a load and dropped when a newer version is read."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from report import db as app_db
from report import queries as q
from etl import writer

JAN_OCT_2024 = q.Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1))
FILTER_CASES = [
    JAN_OCT_2024,
    replace(JAN_OCT_2024, district_code="15.71.09"),
    replace(JAN_OCT_2024, violence_type="tppo", district_code="15.71.01"),
    replace(JAN_OCT_2024, agency="POLRESTA", include_duplicates=True),
    q.Filters(dt.date(2023, 1, 1), dt.date(2024, 12, 1), violence_type="seksual"),
    q.Filters(dt.date(2024, 3, 1), dt.date(2024, 3, 1)),
]


def _attached() -> set[str]:
    """The instance's attached databases, read under report.db's lock as its own code does: the instance refuses a
    call while another thread uses it (the copies' thread attaching the file), which made these tests flaky."""
    with app_db._handle_lock:
        return {row[0] for row in app_db._instance.execute("SELECT database_name FROM duckdb_databases()").fetchall()}


def _made_copies(path) -> dict[str, str]:
    """The copies of ``path``'s current version, made if need be: the first read starts them and gets none."""
    with app_db.reading(path) as (_, copies):
        pass
    current = app_db._current
    assert app_db.wait_for_copies(60), (current, app_db._current)  # the dataclass shows why (``failure``)
    with app_db.reading(path) as (_, copies):
        return copies


def _page_calls(f: q.Filters) -> dict:
    """What the pages ask app/cached.py for (sections and single queries), with their arguments."""
    baseline = q.Filters(q.add_months(f.start, -7), q.add_months(f.end, -7))  # overlaps the period when long
    population = (("15.71.01", 50_000, 25_000, 15_000), ("15.71.09", 80_000, None, 20_000))
    return {
        "summary": (f,), "trend": (f, baseline), "forms_and_tppo": (f,), "victim_profile": (f,),
        "task_force": (f, baseline), "data_quality": (f,),
        "district_totals": (f, None), "subdistrict_totals": (f,), "district_rates": (f, population),
        **{f"planning:{by}": (f, baseline, by, by) for by in q.PLANNING_GROUPS},
    }


def _frames(result) -> dict[str, pd.DataFrame]:
    return result if isinstance(result, dict) else {"": result}


def test_the_copies_hold_each_view_s_rows_in_their_order(demo_db_master):
    copies = _made_copies(demo_db_master)
    assert set(copies) == set(app_db.COPIED_VIEWS) and set(copies) >= {"victims", "tppo_victims"}
    with app_db.read_only(demo_db_master) as con:
        for view, relation in copies.items():
            assert relation != view
            expected = con.execute(f"SELECT * FROM {view} ORDER BY ALL").df()
            assert len(expected) > 0
            pd.testing.assert_frame_equal(con.execute(f"SELECT * FROM {relation} ORDER BY ALL").df(), expected, obj=view)
            order = app_db.COPIED_VIEWS[view]
            if order:  # the copy keeps its rows in that order (rowid: the order they were written in)
                keys = con.execute(f"SELECT {order} FROM {relation} ORDER BY rowid").fetchall()
                assert keys == sorted(keys) and len(set(keys)) > 1, view
        assert app_db.COPIED_VIEWS["victims"]  # a kecamatan's rows of a period lie together


@pytest.mark.parametrize("f", FILTER_CASES, ids=lambda f: repr(f)[8:70])
def test_every_page_query_over_the_copies_gives_the_frames_over_the_views(demo_db_master, f):
    """Sections (their kept tables filled from the copies) and single queries: values, order, columns and types."""
    copies = _made_copies(demo_db_master)
    with app_db.reading(demo_db_master) as (con, now_copies):
        assert now_copies == copies
        for call, args in _page_calls(f).items():
            query = getattr(q, call.split(":")[0])
            expected = _frames(query(con, *args))
            with q.reading_copies(copies):
                assert q._from("victims") == copies["victims"]  # the queries do read the copies
                got = _frames(query(con, *args))
            assert list(got) == list(expected), call
            for key, frame in expected.items():
                pd.testing.assert_frame_equal(got[key], frame, obj=f"{call}[{key}]")
        assert q._from("victims") == "victims"  # outside the block: the views again


def test_a_load_gets_new_copies_and_figures_and_the_old_copies_are_dropped(demo_db):
    f = replace(JAN_OCT_2024, district_code="15.71.09")
    with app_db.reading(demo_db) as (con, copies):
        assert copies == {}  # the first read of a version does not wait for its copies: it reads the views
        before = q.summary(con, f)["headline"]
    old = _made_copies(demo_db)
    old_alias = old["victims"].split(".")[0]
    assert old_alias in _attached()
    with app_db.reading(demo_db) as (con, copies), q.reading_copies(copies):
        pd.testing.assert_frame_equal(q.summary(con, f)["headline"], before)
        assert before["korban"][0] > 0

    with writer.writing(demo_db, backup=False) as con:  # a load: a new file version is swapped in
        con.execute("DELETE FROM victim_records WHERE district_code = '15.71.09' AND report_date < '2024-06-01'")
    with app_db.reading(demo_db) as (con, copies), q.reading_copies(copies):
        assert copies == {}  # the new version's copies are being made; the old ones are not read
        after = q.summary(con, f)["headline"]
    assert after["korban"][0] < before["korban"][0]
    new = _made_copies(demo_db)
    assert new["victims"] != old["victims"] and old_alias not in _attached()
    with app_db.reading(demo_db) as (con, copies), q.reading_copies(copies):
        assert copies == new
        pd.testing.assert_frame_equal(q.summary(con, f)["headline"], after)
        assert con.execute(f"SELECT count(*) FROM {new['victims']}").fetchone() == con.execute(
            "SELECT count(*) FROM victims").fetchone()


def test_copies_in_use_are_dropped_only_after_their_last_reader(demo_db):
    """A run still reading the old version's copies while a load lands keeps them until it ends; a read of that old
    version afterwards gets no copies and starts none."""
    old = _made_copies(demo_db)
    old_version = app_db.database_version(demo_db)
    with app_db.reading(demo_db) as (con, copies):
        assert copies == old
        with writer.writing(demo_db, backup=False) as writable:
            writable.execute("DELETE FROM victim_records WHERE district_code = '15.71.01'")
        with app_db.reading(demo_db) as (_, newer):
            assert newer == {}  # the new version's copies are started
        assert old["victims"].split(".")[0] in _attached()  # still read by the outer block
        assert con.execute(f"SELECT count(*) FROM {old['victims']}").fetchone()[0] > 0
    current = app_db._current
    assert app_db.wait_for_copies(60), (current, app_db._current)
    assert old["victims"].split(".")[0] not in _attached()
    assert app_db._ready_copies(demo_db, old_version) is None
    assert app_db._current.key == (demo_db, app_db.database_version(demo_db))


def test_copies_that_cannot_be_made_are_logged_and_the_views_are_read(demo_db, caplog):
    """A file without one of the copied views (an older schema): no copies, the reason in the log, the same
    figures from the views."""
    f = replace(JAN_OCT_2024, district_code="15.71.09")
    with app_db.read_only(demo_db) as con:
        expected = q.summary(con, f)["headline"]
    with writer.writing(demo_db, backup=False) as con:
        con.execute("DROP VIEW case_stage_events")
    with caplog.at_level("WARNING", logger="ppa.dashboard"):
        with app_db.reading(demo_db):
            pass
        assert not app_db.wait_for_copies(60)
    assert "case_stage_events" in app_db._current.failure
    assert any("case_stage_events" in r.getMessage() and str(demo_db) in r.getMessage() for r in caplog.records)
    with app_db.reading(demo_db) as (con, copies), q.reading_copies(copies):
        assert copies == {}
        pd.testing.assert_frame_equal(q.summary(con, f)["headline"], expected)


def test_the_copied_version_stays_attached_so_runs_take_a_cursor_without_attaching_it(demo_db):
    """The copies hold their file version's attachment: reads of it reuse it (no attach and region check per run);
    when newer copies replace them, the old version is detached."""
    _made_copies(demo_db)
    version = app_db.database_version(demo_db)
    held = app_db._handles[(demo_db, version)]
    assert held.users == 1 and held.alias in _attached()  # the copies' hold alone: no read is running
    for _ in range(2):
        with app_db.reading(demo_db) as (con, copies):
            assert copies and con.execute("SELECT current_database()").fetchone()[0] == held.alias
    assert held.users == 1
    with writer.writing(demo_db, backup=False) as writable:
        writable.execute("DELETE FROM victim_records WHERE district_code = '15.71.01'")
    _made_copies(demo_db)
    assert (demo_db, version) not in app_db._handles and held.alias not in _attached()
    assert app_db._handles[(demo_db, app_db.database_version(demo_db))].users == 1
