"""An independent attacker: every public artefact's numbers, added up, pin no hidden cell of the public release.

The solver here is written apart from report/disclosure.py's audit: it knows only what a reader knows — the labels
of the demo release rows ("12", "<5", "<10", "x"), the public artefacts' numbers for several month ranges, that a
table's cells add up to its total (or, for cases by kecamatan and victims by form, that the total lies between the
largest cell and the sum of cells), and that periods add up month by month — and asks an integer program (scipy
``milp``) for the smallest and largest value of every hidden cell. A cell whose smallest and largest values agree
is pinned. Fed the old free-range infographic (each range protected on its own), the same solver pins cells, so a
second path that protects public numbers apart from the release would fail this test.

Modelled: the totals and the one-breakdown tables of the release (two-breakdown tables are not on any artefact that
a range changes, and their margins are these tables).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from report import disclosure as dc
from report import release
from report.exports import infographic

CEILING = 100_000
TABLES = {  # table -> (categories summed to the total?, threshold of an "x")
    "kasus": (True, 5), "korban": (True, 5), "kasus_tppo": (True, 10), "korban_tppo": (True, 10),
    "korban_kecamatan": (True, 5), "korban_umur": (True, 5), "korban_jenis_kelamin": (True, 5),
    "kasus_kecamatan": (False, 5), "korban_bentuk": (False, 5),
    "korban_tppo_eksploitasi": (True, 10), "korban_tppo_tujuan": (True, 10),
}
# tables whose total is another table's total (the attacker equates them)
SAME_TOTAL = {"korban_tppo_eksploitasi": "korban_tppo", "korban_tppo_tujuan": "korban_tppo"}


# ------------------------------------------------------------------------------------------------ what is known

@dataclass(frozen=True)
class Known:
    """One published number: table, category (None for the total), first and last month (1-12), label, reason."""

    table: str
    key: str | None
    first: int
    last: int
    label: str
    reason: str | None = None


def read(label: str, reason: str | None, threshold: int) -> tuple[int, int]:
    """What a label says about the true count (the legend printed under every public artefact)."""
    if label.replace(".", "").isdigit():
        n = int(label.replace(".", ""))
        return n, n
    if label.startswith("<"):
        return 1, int(label[1:]) - 1
    assert label == "x", label
    return (0, CEILING) if reason == "ditahan" else (threshold, CEILING)


def months_of(code: str) -> tuple[int, int]:
    p = dc.parse_period(code)
    return p.start.month, p.end.month


def release_known(counts: pd.DataFrame, year: int) -> list[Known]:
    rows = counts[counts["period_code"].str.startswith(str(year)) & counts["table_name"].isin(list(TABLES))
                  & (counts["part"] != "margin")]
    out = []
    for r in rows.itertuples():
        first, last = months_of(r.period_code)
        key = None if r.part == "total" else r.key1
        out.append(Known(r.table_name, key, first, last, r.label, r.reason if isinstance(r.reason, str) else None))
    return out


def artefact_known(numbers: list[release.PublicNumber]) -> list[Known]:
    """An artefact's numbers, each placed at the period it names."""
    out = []
    for n in numbers:
        first, last = months_of(n.period_code)
        out.append(Known(n.table_name, n.key1, first, last, n.label))
    return out


# ------------------------------------------------------------------------------------------------ the solver

@dataclass
class Model:
    """Integer unknowns per table × category × stretch of months, and linear bounds on sums of them."""

    atoms: list[tuple[int, int]]
    index: dict[tuple, int] = field(default_factory=dict)
    rows: list[tuple[dict[int, int], float, float]] = field(default_factory=list)

    def var(self, table: str, key: str | None, atom: int) -> int:
        return self.index.setdefault((table, key, atom), len(self.index))

    def covering(self, first: int, last: int) -> list[int]:
        inside = [i for i, (a, b) in enumerate(self.atoms) if first <= a and b <= last]
        assert sum(b - a + 1 for a, b in (self.atoms[i] for i in inside)) == last - first + 1
        return inside

    def expression(self, table: str, key: str | None, first: int, last: int) -> dict[int, int]:
        return {self.var(table, key, a): 1 for a in self.covering(first, last)}


def build(known: list[Known], categories: dict[str, list[str]]) -> Model:
    cuts = sorted({k.first for k in known} | {k.last + 1 for k in known})
    model = Model([(a, b - 1) for a, b in zip(cuts, cuts[1:])])
    for k in known:
        lo, hi = read(k.label, k.reason, TABLES[k.table][1])
        model.rows.append((model.expression(k.table, k.key, k.first, k.last), lo, hi))
    # each table's structure, month stretch by month stretch
    for table, (additive, _) in TABLES.items():
        cats = categories.get(table, [])
        for a in range(len(model.atoms)):
            total = model.var(table, None, a)
            cells = [model.var(table, c, a) for c in cats]
            if not cells:
                continue
            if table in SAME_TOTAL:
                model.rows.append(({total: 1, model.var(SAME_TOTAL[table], None, a): -1}, 0, 0))
            if additive:
                model.rows.append(({total: -1, **{c: 1 for c in cells}}, 0, 0))
            else:  # multi-valued: the largest cell <= total <= sum of cells
                model.rows.append(({total: -1, **{c: 1 for c in cells}}, 0, np.inf))
                model.rows += [({total: 1, c: -1}, 0, np.inf) for c in cells]
    return model


def extremes(model: Model, target: dict[int, int]) -> tuple[float, float]:
    n = len(model.index)
    a = np.zeros((len(model.rows), n))
    lo, hi = np.zeros(len(model.rows)), np.zeros(len(model.rows))
    for i, (coefs, l, h) in enumerate(model.rows):
        for j, c in coefs.items():
            a[i, j] = c
        lo[i], hi[i] = l, h
    c = np.zeros(n)
    for j, v in target.items():
        c[j] = v
    out = []
    for sign in (1, -1):
        res = milp(sign * c, constraints=LinearConstraint(a, lo, hi), integrality=np.ones(n),
                   bounds=Bounds(0, CEILING))
        assert res.status == 0, res.message  # the true counts satisfy everything: never infeasible
        out.append(sign * res.fun)
    return out[0], out[1]


def sensitive(k: Known) -> bool:
    """A hidden small count ("<5", "<10") or a cell of a withheld breakdown (which may be small).

    A complementary "x" is at least the threshold: were it pinned, a number that could have been published would
    be known, nobody identified (the year minus Semester I gives a Semester II "x" of 6, for instance).
    """
    return k.label.startswith("<") or k.reason == "ditahan"


def pinned_hidden_cells(counts: pd.DataFrame, year: int, extra: list[Known]) -> list[tuple]:
    """Hidden small release cells of ``year`` that the published numbers plus ``extra`` fix to one value."""
    known = release_known(counts, year) + extra
    categories = {t: sorted({k.key for k in known if k.table == t and k.key is not None}) for t in TABLES}
    model = build(known, categories)
    pinned = []
    for k in release_known(counts, year):
        if not sensitive(k):
            continue
        low, high = extremes(model, model.expression(k.table, k.key, k.first, k.last))
        if round(low) == round(high):
            pinned.append((k.table, k.key, k.first, k.last, round(low)))
    return pinned


# ------------------------------------------------------------------------------------------------ the artefacts

RANGES = [(dt.date(2024, 1, 1), dt.date(2024, 9, 1)), (dt.date(2024, 1, 1), dt.date(2024, 10, 1))]
YEAR_TO_DATE = [(dt.date(y, 1, 1), dt.date(y, m, 1)) for y in (2023, 2024) for m in (3, 6, 9, 12)
                if dt.date(y, m, 1) <= dt.date(2024, 10, 1)]


@pytest.fixture(scope="module")
def demo_release(demo_con):
    periods, latest = release.public_period_list(demo_con)
    counts = release.release(demo_con, years={2023, 2024})[1]
    return periods, latest, counts


def public_artefacts(demo_release, ranges) -> dict[int, list[Known]]:
    """Every public artefact's numbers for the ranges, by year: the infographic and its angka-publik.csv (the
    public pages, their downloads and chart images show release rows, which the attacker already holds)."""
    periods, latest, counts = demo_release
    out: dict[int, list[Known]] = {}
    for start, end in ranges:
        h = infographic.for_months(start, end, periods, latest, lambda year: counts, demo=True)
        out.setdefault(h.period.year, []).extend(artefact_known(h.numbers))
    return out


def test_no_hidden_cell_is_pinned_by_all_public_artefacts_together(demo_release):
    counts = demo_release[2]
    by_year = public_artefacts(demo_release, RANGES + YEAR_TO_DATE)
    assert {2023, 2024} <= set(by_year)
    hidden = counts[counts["suppressed"] & counts["table_name"].isin(list(TABLES)) & (counts["part"] != "margin")]
    assert len(hidden) > 10  # the demo has small cells: the attack has something to aim at
    for year in (2023, 2024):
        assert pinned_hidden_cells(counts, year, by_year.get(year, [])) == []


def old_free_range_infographic(con, start: dt.date, end: dt.date) -> list[Known]:
    """What the infographic published before issue 17: the range's own counts, protected on their own."""
    after = dt.date(end.year + end.month // 12, end.month % 12 + 1, 1)
    where = "duplicate_of IS NULL AND report_date >= ? AND report_date < ?"
    kasus, korban = con.execute(f"SELECT count(DISTINCT case_key), count(*) FROM victims WHERE {where}",
                                [start, after]).fetchone()
    tppo = con.execute(f"SELECT count(DISTINCT case_key) FROM victims WHERE {where} AND is_tppo",
                       [start, after]).fetchone()[0]
    by_district = con.execute(f"SELECT district_code AS district, count(DISTINCT case_key) AS kasus FROM victims "
                              f"WHERE {where} GROUP BY 1 ORDER BY 1", [start, after]).df()
    table = dc.protect(by_district, "kasus", by=["district"])
    shown = table.cells[~table.cells["suppressed"] & (table.cells["value"] > 0)]
    top = shown.sort_values("value", ascending=False, kind="stable").head(3)
    first, last = start.month, end.month
    out = [Known("kasus", None, first, last, dc.protect_total(kasus).label),
           Known("korban", None, first, last, dc.protect_total(korban).label),
           Known("kasus_tppo", None, first, last, dc.protect_total(tppo, strict=True).label)]
    out += [Known("kasus_kecamatan", d, first, last, label) for d, label in zip(top["district"], top["label"])]
    return out


def test_the_attacker_pins_cells_when_fed_the_old_free_range_infographics(demo_release, demo_con):
    counts = demo_release[2]
    leaky = [k for start, end in RANGES for k in old_free_range_infographic(demo_con, start, end)]
    pinned = pinned_hidden_cells(counts, 2024, leaky)
    assert pinned, "the solver must be able to find a leak, or its 'nothing pinned' proves nothing"
    # Triwulan III 2024 (July–September) = Jan–Sep minus Semester I: a hidden quarter becomes exact
    assert any((first, last) == (7, 9) for _, _, first, last, _ in pinned), pinned
