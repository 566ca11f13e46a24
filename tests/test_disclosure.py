"""Disclosure control: primary thresholds, an independent attacker against complementary suppression, periods."""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report import disclosure as dc

# ---------------------------------------------------------------------------------------------------------------
# An attacker written independently of the module: it sees only labels and the table's structure.

NUMBER = re.compile(r"^\d{1,3}(\.\d{3})*$")


def read_label(label: str, threshold: int, all_hidden: bool) -> tuple[float, float]:
    """What a reader of the published table knows about a cell from its label."""
    if NUMBER.match(label):
        n = int(label.replace(".", ""))
        return (n, n)
    if label.startswith("<"):
        return (1, int(label[1:]) - 1)
    assert label == "x", label
    # "x" next to published cells is a complementary cell, so at least the threshold; a wholly hidden table
    # says nothing at all.
    return (0, math.inf) if all_hidden else (threshold, math.inf)


def tighten(bounds, equations) -> bool:
    """Subtraction along every line (row, column, totals) with interval arithmetic; False when infeasible."""
    changed = True
    while changed:
        changed = False
        for terms, op in equations:
            for i, c in terms:
                others = [(k, ck) for k, ck in terms if k != i]
                lo = sum(ck * (bounds[k][0] if ck > 0 else bounds[k][1]) for k, ck in others)
                hi = sum(ck * (bounds[k][1] if ck > 0 else bounds[k][0]) for k, ck in others)
                if op == "=":
                    new = sorted((-hi / c, -lo / c))
                else:  # sum >= 0
                    new = [-hi / c, math.inf] if c > 0 else [-math.inf, hi / -c]
                if new[0] > bounds[i][0]:
                    bounds[i][0] = math.ceil(new[0] - 1e-9)
                    changed = True
                if new[1] < bounds[i][1]:
                    bounds[i][1] = math.floor(new[1] + 1e-9)
                    changed = True
                if bounds[i][0] > bounds[i][1]:
                    return False
    return True


def feasible(bounds, equations) -> bool:
    """Exact integer feasibility by backtracking (tables in these tests are small)."""
    bounds = [list(b) for b in bounds]
    if not tighten(bounds, equations):
        return False
    open_ = [i for i, (lo, hi) in enumerate(bounds) if lo != hi]
    if not open_:
        return True
    i = min(open_, key=lambda k: bounds[k][1] - bounds[k][0])
    lo, hi = bounds[i]
    hi = min(hi, lo + 200)  # every cell is bounded by a published total in these tables
    for v in range(int(lo), int(hi) + 1):
        trial = [list(b) for b in bounds]
        trial[i] = [v, v]
        if feasible(trial, equations):
            return True
    return False


def recoverable(bounds, equations, i) -> bool:
    """Whether cell i has exactly one value consistent with everything published."""
    b = [list(x) for x in bounds]
    tighten(b, equations)
    lo, hi = b[i]
    hi = min(hi, lo + 200)
    seen = 0
    for v in range(int(lo), int(hi) + 1):
        trial = [list(x) for x in b]
        trial[i] = [v, v]
        if feasible(trial, equations):
            seen += 1
            if seen > 1:
                return False
    return True


def published_numbers(table: dc.ProtectedTable) -> list[tuple[str, int | None, int]]:
    """(label, true value if known to the test, threshold) of every cell, margin and total."""
    out = [(r.label, r.threshold) for r in table.cells.itertuples()]
    for frame in table.margins.values():
        out += [(r.label, r.threshold) for r in frame.itertuples()]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Strategies

counts = st.integers(min_value=0, max_value=14) | st.integers(min_value=0, max_value=4)


@st.composite
def one_way(draw):
    n = draw(st.integers(min_value=1, max_value=7))
    values = draw(st.lists(counts, min_size=n, max_size=n))
    strict = draw(st.sampled_from([False, True, "mixed"]))
    flags = draw(st.lists(st.booleans(), min_size=n, max_size=n)) if strict == "mixed" else None
    df = pd.DataFrame({"k": [f"k{i}" for i in range(n)], "n": values})
    if flags is not None:
        df["strict"] = flags
    return df, ("strict" if flags is not None else strict)


@st.composite
def two_way(draw):
    rows = draw(st.integers(min_value=1, max_value=3))
    cols = draw(st.integers(min_value=2, max_value=3))
    values = draw(st.lists(counts, min_size=rows * cols, max_size=rows * cols))
    strict = draw(st.sampled_from([False, True, "mixed"]))
    df = pd.DataFrame({"a": [f"a{i // cols}" for i in range(rows * cols)],
                       "b": [f"b{i % cols}" for i in range(rows * cols)], "n": values})
    if strict == "mixed":
        df["strict"] = df["b"] == "b0"  # e.g. the TPPO column of a form breakdown
        return df, "strict"
    return df, strict


def thresholds_of(df, strict):
    if isinstance(strict, str):
        return [dc.threshold(s) for s in df["strict"]]
    return [dc.threshold(strict)] * len(df)


# ---------------------------------------------------------------------------------------------------------------
# Properties

def assert_no_small_published(table: dc.ProtectedTable):
    for label, t in published_numbers(table):
        if NUMBER.match(label):
            n = int(label.replace(".", ""))
            assert n == 0 or n >= t, f"published {label} under threshold {t}"
    if table.total is not None and not table.total.suppressed:
        assert table.total.value == 0 or table.total.value >= dc.THRESHOLD


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_way())
def test_one_way_tables_publish_nothing_small_and_nothing_recoverable(case):
    df, strict = case
    table = dc.protect(df, "n", by=["k"], strict=strict)
    assert_no_small_published(table)
    truth = list(df["n"])
    thresholds = thresholds_of(df, strict)
    labels = list(table.cells["label"])
    # what is published is true
    for label, value in zip(labels, truth):
        if NUMBER.match(label):
            assert int(label.replace(".", "")) == value
    assert table.total.value in (None, sum(truth))
    all_hidden = all(lab == "x" for lab in labels)
    bounds = [list(read_label(lab, t, all_hidden)) for lab, t in zip(labels, thresholds)]
    g_threshold = dc.threshold(strict is True)
    bounds.append(list(read_label(table.total.label, g_threshold, False)))
    g = len(labels)
    equations = [([(i, 1) for i in range(g)] + [(g, -1)], "=")]
    for i, (value, t) in enumerate(zip(truth, thresholds)):
        if 0 < value < t:
            assert labels[i] in (f"<{t}", "x")
            assert not recoverable(bounds, equations, i), (truth, labels, table.total.label)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_way())
def test_two_way_tables_resist_row_column_and_total_differences(case):
    df, strict = case
    table = dc.protect(df, "n", by=["a", "b"], strict=strict)
    assert_no_small_published(table)
    cells = table.cells.reset_index(drop=True)
    truth = df.set_index(["a", "b"])["n"]
    for r in cells.itertuples():
        if NUMBER.match(r.label):
            assert int(r.label.replace(".", "")) == truth[(r.a, r.b)]
    inner_hidden = all(lab == "x" for lab in cells["label"])
    bounds = [list(read_label(r.label, r.threshold, inner_hidden)) for r in cells.itertuples()]
    index = {(r.a, r.b): i for i, r in enumerate(cells.itertuples())}
    equations = []
    margin_index = {}
    for summed, kept in (("b", "a"), ("a", "b")):
        frame = table.margins[summed]
        hidden = all(lab == "x" for lab in frame["label"])
        for r in frame.itertuples():
            bounds.append(list(read_label(r.label, r.threshold, hidden)))
            m = len(bounds) - 1
            margin_index[(kept, getattr(r, kept))] = m
            members = [i for key, i in index.items() if key[0 if kept == "a" else 1] == getattr(r, kept)]
            equations.append(([(i, 1) for i in members] + [(m, -1)], "="))
    bounds.append(list(read_label(table.total.label, dc.threshold(strict is True), False)))
    g = len(bounds) - 1
    for kept in ("a", "b"):
        equations.append(([(m, 1) for (k, _), m in margin_index.items() if k == kept] + [(g, -1)], "="))
    for r in cells.itertuples():
        value = truth[(r.a, r.b)]
        if 0 < value < r.threshold:
            assert not recoverable(bounds, equations, index[(r.a, r.b)]), (df.to_dict("list"), list(cells["label"]))


def test_known_table_suppresses_the_next_smallest_cell():
    df = pd.DataFrame({"k": ["a", "b", "c", "d"], "n": [3, 9, 40, 0]})
    table = dc.protect(df, "n", by=["k"])
    assert list(table.cells["label"]) == ["<5", "x", "40", "0"]
    assert list(table.cells["value"].astype(object).where(table.cells["value"].notna(), None)) == [None, None, 40, 0]
    assert table.total.label == "52"
    assert table.footnotes == [dc.FOOTNOTE_SUPPRESSION]


def test_sum_at_the_edge_of_the_bounds_forces_a_third_cell():
    # <5 plus an x of at least 5 summing to 6 would reveal 1 and 5, so one more cell must go
    df = pd.DataFrame({"k": ["a", "b", "c"], "n": [1, 5, 40]})
    labels = list(dc.protect(df, "n", by=["k"]).cells["label"])
    assert labels == ["<5", "x", "x"]


def test_strict_threshold_for_tppo_and_child_sexual_violence():
    df = pd.DataFrame({"bentuk": ["tppo", "seksual", "fisik"], "n": [7, 7, 12]})
    df["strict"] = [dc.is_strict(b, True) for b in df["bentuk"]]
    table = dc.protect(df, "n", by=["bentuk"], strict="strict", multi_valued=["bentuk"])
    assert list(table.cells["label"]) == ["<10", "<10", "12"]
    assert dc.protect_total(7, strict=True).label == "<10"
    assert dc.protect_total(7).label == "7"
    assert dc.protect_total(0).label == "0" and not dc.protect_total(0).suppressed
    assert dc.protect_total(1234).label == "1.234"


def test_multi_valued_breakdown_defends_the_at_least_total():
    # forms sum to at least the number of victims: fisik 6 and a total of 10 would pin seksual at 4
    df = pd.DataFrame({"bentuk": ["fisik", "seksual"], "n": [6, 4]})
    table = dc.protect(df, "n", by=["bentuk"], multi_valued=["bentuk"], total=10)
    assert "6" not in list(table.cells["label"])


def test_suppressed_cell_is_not_a_zero_and_downloads_agree():
    df = pd.DataFrame({"k": ["a", "b", "c"], "n": [0, 2, 30]})
    table = dc.protect(df, "n", by=["k"])
    shown = table.display_frame()
    assert list(shown["Jumlah"]) == ["0", "<5", "x", "32"]
    down = table.download_frame()
    assert down["jumlah"].isna().tolist() == [False, True, True, False]
    assert list(down["label"]) == list(shown["Jumlah"])


@pytest.mark.parametrize("by, message", [
    (["district", "sex", "age_band"], "paling banyak dirinci menurut 2"),
    (["subdistrict"], "tidak boleh ditampilkan untuk publik"),
    (["month"], "tidak boleh ditampilkan untuk publik"),
])
def test_forbidden_breakdowns_are_refused(by, message):
    df = pd.DataFrame({b: ["x"] for b in by} | {"n": [10]})
    with pytest.raises(dc.DisclosureError, match=message):
        dc.protect(df, "n", by=by)


def test_shares_need_a_numerator_of_five():
    assert dc.safe_share(4, 10).value is None
    assert dc.safe_share(4, 10).label == "x"
    assert dc.safe_share(5, 40).label == "12,5%"
    assert dc.safe_share(5, 0).value is None


def test_periods_are_quarters_semesters_years():
    assert dc.period_for("2024-01", "2024-03").label == "Triwulan I 2024"
    assert dc.period_for(dt.date(2024, 7, 1), dt.date(2024, 12, 1)).label == "Semester II 2024"
    assert dc.period_for("2023-01", "2023-12").code == "2023"
    with pytest.raises(dc.DisclosureError, match="triwulan"):
        dc.period_for("2024-01", "2024-10")
    assert dc.parse_period("2024-T3") == dc.Period("triwulan", 2024, 3)
    with pytest.raises(dc.DisclosureError):
        dc.parse_period("2024-T5")
    listed = dc.public_periods("2024-10", first_month="2023-01")
    codes = [p.code for p in listed]
    assert codes == ["2024-S1", "2024-T3", "2024-T2", "2024-T1",
                     "2023", "2023-S2", "2023-S1", "2023-T4", "2023-T3", "2023-T2", "2023-T1"]
    assert dc.is_provisional(dc.parse_period("2024-T1"), "2024-10")
    assert not dc.is_provisional(dc.parse_period("2023"), "2024-10")
    assert dc.Period("triwulan", 2024, 1).span == "Januari–Maret 2024"


def test_public_footer_says_source_period_status_and_not_prevalence():
    from report import sentences

    text = " ".join(sentences.public_footer_lines(dc.parse_period("2024-T1").label, provisional=True))
    assert "Sumber: DPMPPA Kota Jambi" in text
    assert "Triwulan I 2024" in text
    assert "Data sementara" in text
    assert "kasus yang dilaporkan, bukan angka prevalensi" in text
    assert dc.FOOTNOTE_SUPPRESSION in text
    assert dc.legend_text() in text
    assert "Data sementara" not in " ".join(sentences.public_footer_lines("Tahun 2022", provisional=False))


@st.composite
def linked_periods(draw):
    n = draw(st.integers(min_value=2, max_value=4))
    q1 = draw(st.lists(counts, min_size=n, max_size=n))
    q2 = draw(st.lists(counts, min_size=n, max_size=n))
    rows = []
    for code, values in (("2024-T1", q1), ("2024-T2", q2), ("2024-S1", [a + b for a, b in zip(q1, q2)])):
        rows += [{"periode": code, "k": f"k{i}", "n": v} for i, v in enumerate(values)]
    return pd.DataFrame(rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linked_periods())
def test_quarters_and_their_semester_are_protected_together(df):
    tables = dc.protect(df, "n", by=["k"], period_col="periode")
    codes = ["2024-T1", "2024-T2", "2024-S1"]
    cats = list(pd.unique(df["k"]))
    bounds, index, equations = [], {}, []
    for code in codes:
        t = tables[code]
        assert_no_small_published(t)
        labels = list(t.cells["label"])
        hidden = all(lab == "x" for lab in labels)
        for cat, lab in zip(cats, labels):
            index[(code, cat)] = len(bounds)
            bounds.append(list(read_label(lab, dc.THRESHOLD, hidden)))
        index[(code, "total")] = len(bounds)
        bounds.append(list(read_label(t.total.label, dc.THRESHOLD, False)))
        equations.append(([(index[(code, c)], 1) for c in cats] + [(index[(code, "total")], -1)], "="))
    for key in [*cats, "total"]:
        equations.append(([(index[("2024-S1", key)], 1), (index[("2024-T1", key)], -1),
                           (index[("2024-T2", key)], -1)], "="))
    truth = df.set_index(["periode", "k"])["n"]
    for (code, key), i in index.items():
        value = truth[(code, key)] if key != "total" else int(df[df.periode == code]["n"].sum())
        if 0 < value < dc.THRESHOLD:
            assert not recoverable(bounds, equations, i), (df.to_dict("list"),)


# ---------------------------------------------------------------------------------------------------------------
# The cheap search for another consistent table (``_another_table``) only spares the integer program: whichever
# finds the witness, the same cells are pinned, so the protected tables must be the same as the program alone makes.

@st.composite
def year_of_two_way_tables(draw):
    """A year's quarters T1, T2, T3 and semester S1 (= T1 + T2) of a two-way breakdown, forms multi-valued or not."""
    rows_n = draw(st.integers(min_value=1, max_value=3))
    cols_n = draw(st.integers(min_value=2, max_value=4))
    multi = draw(st.booleans())
    strict = draw(st.sampled_from([False, "mixed"]))
    quarters = {code: draw(st.lists(counts, min_size=rows_n * cols_n, max_size=rows_n * cols_n))
                for code in ("2024-T1", "2024-T2", "2024-T3")}
    quarters["2024-S1"] = [a + b for a, b in zip(quarters["2024-T1"], quarters["2024-T2"])]
    df = pd.DataFrame([{"periode": code, "a": f"a{i // cols_n}", "b": f"b{i % cols_n}", "n": v}
                       for code, values in quarters.items() for i, v in enumerate(values)])
    if strict == "mixed":
        df["strict"] = df["b"] == "b0"
        strict = "strict"
    totals = None
    if multi:  # victims: at most the sum over forms, at least the largest form
        sums = df.groupby("periode")["n"].sum()
        totals = {p: int(sums[p]) - draw(st.integers(min_value=0, max_value=2)) for p in sums.index}
        totals["2024-S1"] = totals["2024-T1"] + totals["2024-T2"]
        totals = {p: t for p, t in totals.items() if t >= df[df.periode == p].groupby("b")["n"].sum().max()}
    return df, strict, (["b"] if multi else []), totals


def _protected_rows(tables: dict) -> list:
    out = []
    for code, t in sorted(tables.items()):
        out.append((code, t.cells.to_dict("list"), {k: f.to_dict("list") for k, f in t.margins.items()}, t.total,
                    t.withheld))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year_of_two_way_tables(), st.sampled_from([1, 2]))
def test_cheap_witness_search_protects_exactly_as_the_integer_program_alone(case, breakdowns):
    df, strict, multi, totals = case
    by = ["a", "b"][-breakdowns:]
    kwargs = dict(by=by, strict=strict, multi_valued=[m for m in multi if m in by], period_col="periode",
                  total=totals if multi and "b" in by else None)
    with_search = dc.protect(df, "n", **kwargs)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(dc, "_another_table", lambda *args, **kw: None)
        program_only = dc.protect(df, "n", **kwargs)
    assert _protected_rows(with_search) == _protected_rows(program_only), df.to_dict("list")


def test_a_found_table_is_checked_against_every_equation_and_bound():
    # quarters of 3 and 4 under a published semester of 7: T1 can be 2..6 with T2 = 7 - T1
    cells = [dc._Cell(3, 5, state=dc._PRI), dc._Cell(4, 5, state=dc._PRI), dc._Cell(7, 5)]
    equations = [({2: 1, 0: -1, 1: -1}, "=")]
    bounds = dc.attack(cells, equations)
    witness = dc._another_table(cells, equations, bounds, 0)
    assert witness in ({0: 1, 1: -1}, {0: -1, 1: 1})
    assert dc._holds(cells, equations, bounds, witness)
    assert not dc._holds(cells, equations, bounds, {0: 1})            # the semester would no longer add up
    assert not dc._holds(cells, equations, bounds, {0: 2, 1: -2})     # T2 = 2 is still allowed, T1 = 5 is not (<5)
    # a semester of 2 = 1 + 1 pins both quarters: no other table exists, and the search finds none
    cells = [dc._Cell(1, 5, state=dc._PRI), dc._Cell(1, 5, state=dc._PRI), dc._Cell(2, 5)]
    assert dc._another_table(cells, equations, dc.attack(cells, equations), 0) is None


def test_the_infographic_s_kind_of_table_needs_no_integer_program(monkeypatch):
    """Quarters, their semester and a small TPPO count: the witnesses are 2×2 cycles the cheap search finds, so
    SciPy is not imported for them (the paparan's release: ~1 s)."""
    def refuse(*args, **kwargs):
        raise AssertionError("integer program called")
    monkeypatch.setattr(dc, "_pinned_by_program", refuse)
    df = pd.DataFrame({"periode": ["2024-T1", "2024-T2", "2024-T3", "2024-S1"], "n": [6, 7, 3, 13]})
    tables = dc.protect(df, "n", by=[], strict=True, period_col="periode")
    assert [tables[p].total.label for p in ("2024-T1", "2024-T2", "2024-S1")] == ["<10", "<10", "13"]
    district = pd.DataFrame({"periode": ["2024-T1"] * 4 + ["2024-T2"] * 4 + ["2024-S1"] * 4,
                             "k": ["d1", "d2", "d3", "d4"] * 3,
                             "n": [2, 9, 12, 3, 4, 1, 15, 8, 6, 10, 27, 11]})
    tables = dc.protect(district, "n", by=["k"], period_col="periode")
    assert any(t.cells["suppressed"].any() for t in tables.values())
