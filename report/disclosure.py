"""Statistical disclosure control for everything a ``publik`` user can receive (pure: no Streamlit, no DuckDB).

Rules (docs/disclosure.md explains the choices):
- primary suppression: counts 1–4 are shown as "<5"; for child victims of sexual violence and for TPPO the
  threshold is 10 ("<10");
- secondary (complementary) suppression: more cells are hidden ("x") until an attacker who knows every published
  number, the totals and what "<5"/"x" mean can no longer pin any small count to one value, neither by subtracting
  along a row/column/total nor by solving the table's linear equations; if that is impossible the breakdown is
  withheld (every cell "x") while its total stays published, so totals agree across tables;
- public periods are quarters, semesters and years; no geography below kecamatan; at most two breakdowns;
  no percentage whose numerator is under 5.

Protected numbers are computed once (a ``ProtectedTable``) and reused by the chart, the table and the download.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import pandas as pd

from etl import vocab

THRESHOLD = 5
STRICT_THRESHOLD = 10
MAX_BREAKDOWNS = 2
MIN_SHARE_NUMERATOR = 5
SECONDARY_LABEL = "x"

# Breakdown columns that must never reach a public output: place below kecamatan, identities, exact dates/ages,
# single months (public periods are fixed quarters/semesters/years).
FORBIDDEN_BREAKDOWNS = frozenset({
    "subdistrict", "subdistrict_code", "kelurahan", "victim_key", "case_key", "case_ref", "report_date",
    "incident_date", "age", "month", "notes", "source_row", "source_sheet", "submission_id",
})

FOOTNOTE_SUPPRESSION = "rincian dapat tidak sama dengan total karena pembulatan/penyamaran"
LEGEND = {
    "<5": "1–4, disamarkan untuk melindungi identitas korban",
    "<10": "1–9, disamarkan (anak korban kekerasan seksual dan TPPO memakai ambang 10)",
    SECONDARY_LABEL: "disamarkan agar angka kecil tidak dapat dihitung dari total",
    "0": "tidak ada kasus yang dilaporkan",
}


class DisclosureError(ValueError):
    """A public output was requested in a form the disclosure rules forbid (message in Bahasa Indonesia)."""


def format_count(n: int) -> str:
    """An exact count the Indonesian way ("1.234")."""
    return f"{int(n):,}".replace(",", ".")


def threshold(strict: bool) -> int:
    """The smallest count that may be published: 10 for strict cells (child × sexual, TPPO), else 5."""
    return STRICT_THRESHOLD if strict else THRESHOLD


def is_strict(violence_type: str | None = None, is_child: bool | None = None) -> bool:
    """Whether a cell falls under the stricter threshold: TPPO, or sexual violence against children."""
    return violence_type == "tppo" or (violence_type == "seksual" and is_child is True)


@dataclass(frozen=True)
class ProtectedCount:
    """One published number: ``value`` is None when suppressed, ``label`` is what people see."""

    value: int | None
    label: str
    suppressed: bool
    reason: str | None = None        # None | 'primer' | 'sekunder' | 'ditahan'


def protect_total(n: int, strict: bool = False) -> ProtectedCount:
    """A stand-alone count (a headline, a grand total): primary suppression only."""
    n = int(n)
    t = threshold(strict)
    if 0 < n < t:
        return ProtectedCount(None, f"<{t}", True, "primer")
    return ProtectedCount(n, format_count(n), False, None)


@dataclass(frozen=True)
class ProtectedShare:
    """A percentage for public output; None (label "x") when its numerator is too small to publish."""

    value: float | None
    label: str


def safe_share(numerator: int, denominator: int, decimals: int = 1) -> ProtectedShare:
    """numerator/denominator as "12,5%", or withheld when the numerator is under 5 (or the denominator is 0)."""
    if denominator <= 0 or numerator < MIN_SHARE_NUMERATOR:
        return ProtectedShare(None, SECONDARY_LABEL)
    pct = 100.0 * numerator / denominator
    return ProtectedShare(round(pct, decimals), f"{pct:.{decimals}f}".replace(".", ",") + "%")


def check_breakdowns(by: Sequence[str]) -> None:
    """Refuse more than two combined breakdowns and any breakdown below kecamatan or by identity."""
    if len(by) > MAX_BREAKDOWNS:
        raise DisclosureError(f"Data publik paling banyak dirinci menurut {MAX_BREAKDOWNS} hal sekaligus "
                              f"(diminta {len(by)}: {', '.join(by)}).")
    forbidden = [b for b in by if b in FORBIDDEN_BREAKDOWNS]
    if forbidden:
        raise DisclosureError(f"Rincian menurut {', '.join(forbidden)} tidak boleh ditampilkan untuk publik "
                              "(paling rinci kecamatan; periode triwulan, semester, atau tahun).")


# --------------------------------------------------------------------------------------------------------------
# Periods

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
MONTHS = vocab.MONTH_NAMES


@dataclass(frozen=True)
class Period:
    """A fixed public period: a quarter (triwulan), a semester or a year."""

    kind: str            # 'triwulan' | 'semester' | 'tahun'
    year: int
    number: int          # 1–4 for triwulan, 1–2 for semester, 1 for tahun

    @property
    def months(self) -> int:
        return {"triwulan": 3, "semester": 6, "tahun": 12}[self.kind]

    @property
    def start(self) -> dt.date:
        """First day of the period's first month."""
        return dt.date(self.year, (self.number - 1) * self.months + 1, 1)

    @property
    def end(self) -> dt.date:
        """First day of the period's last month."""
        return dt.date(self.year, self.number * self.months, 1)

    @property
    def code(self) -> str:
        """Stable identifier used in URLs and the public extract: 2024-T1, 2024-S2, 2024."""
        return {"triwulan": f"{self.year}-T{self.number}", "semester": f"{self.year}-S{self.number}",
                "tahun": f"{self.year}"}[self.kind]

    @property
    def label(self) -> str:
        """Indonesian name: "Triwulan I 2024", "Semester II 2024", "Tahun 2024"."""
        if self.kind == "tahun":
            return f"Tahun {self.year}"
        return f"{self.kind.capitalize()} {ROMAN[self.number]} {self.year}"

    @property
    def span(self) -> str:
        """The months covered, e.g. "Januari–Maret 2024"."""
        return f"{MONTHS[self.start.month - 1]}–{MONTHS[self.end.month - 1]} {self.year}"

    def previous_year(self) -> "Period":
        """The same period one year earlier (for year-on-year comparisons)."""
        return Period(self.kind, self.year - 1, self.number)


def parse_period(code: str) -> Period:
    """The period for a code such as "2024-T1", "2024-S2" or "2024"; DisclosureError otherwise."""
    text = str(code).strip().upper()
    try:
        if len(text) == 4:
            return Period("tahun", int(text), 1)
        year, part = text.split("-")
        kind = {"T": "triwulan", "S": "semester"}[part[0]]
        number = int(part[1:])
        if (kind == "triwulan" and 1 <= number <= 4) or (kind == "semester" and 1 <= number <= 2):
            return Period(kind, int(year), number)
    except (ValueError, KeyError, IndexError):
        pass
    raise DisclosureError(f"Periode '{code}' tidak dikenal; gunakan triwulan (2024-T1), semester (2024-S1) "
                          "atau tahun (2024).")


def _month(value: dt.date | str) -> dt.date:
    if isinstance(value, str):
        y, m = value[:7].split("-")
        return dt.date(int(y), int(m), 1)
    return dt.date(value.year, value.month, 1)


def period_for(start: dt.date | str, end: dt.date | str) -> Period:
    """The public period that is exactly start..end (months); DisclosureError for a free month range."""
    first, last = _month(start), _month(end)
    for kind, size in (("triwulan", 3), ("semester", 6), ("tahun", 12)):
        if first.year == last.year and (first.month - 1) % size == 0 and last.month - first.month + 1 == size:
            return Period(kind, first.year, (first.month - 1) // size + 1)
    raise DisclosureError("Untuk publik, periode harus satu triwulan, satu semester, atau satu tahun penuh "
                          f"(diminta {first:%Y-%m} s.d. {last:%Y-%m}).")


def public_periods(latest_month: dt.date | str, first_month: dt.date | str | None = None) -> list[Period]:
    """Complete quarters, semesters and years from ``first_month`` (default: two years back) to ``latest_month``.

    Newest first, years before semesters before quarters within the same year. A period is listed only once its
    last month has data, so a half-reported quarter is never shown as if complete.
    """
    latest = _month(latest_month)
    first = _month(first_month) if first_month is not None else dt.date(latest.year - 2, 1, 1)
    out = []
    for year in range(latest.year, first.year - 1, -1):
        for kind, count in (("tahun", 1), ("semester", 2), ("triwulan", 4)):
            for number in range(count, 0, -1):
                p = Period(kind, year, number)
                if p.end <= latest and p.start >= dt.date(first.year, 1, 1) and p.end >= first:
                    out.append(p)
    return out


def is_provisional(period: Period, latest_month: dt.date | str) -> bool:
    """Whether figures for a period are still provisional: the latest reporting year is always "data sementara"."""
    return period.year >= _month(latest_month).year


def default_source() -> str:
    """The source line of public outputs, from the region file (vocab.region)."""
    return vocab.region().public_source


def legend_text() -> str:
    """One line explaining "<5", "<10", "x" and "0" for charts and tables."""
    return "; ".join(f"{k} = {v}" for k, v in LEGEND.items())


# --------------------------------------------------------------------------------------------------------------
# The attacker: what can be deduced about hidden cells from everything published.

_PUB, _PRI, _SEC, _HID = "pub", "pri", "sec", "hid"


@dataclass
class _Cell:
    value: int
    threshold: int
    fixed: bool = False        # margins and totals decided elsewhere; never changed by this table
    state: str = _PUB

    @property
    def bounds(self) -> tuple[float, float]:
        """What an outsider knows about the cell from its label alone."""
        if self.state == _PUB:
            return (self.value, self.value)
        if self.state == _PRI:
            return (1, self.threshold - 1)
        if self.state == _SEC:
            return (self.threshold, math.inf)
        return (0, math.inf)

    @property
    def sensitive(self) -> bool:
        return 0 < self.value < self.threshold


# An equation is (coefficients {cell index: ±1}, op) meaning sum(coef * cell) op 0, op in {"=", ">="}.
_Equation = tuple[dict[int, int], str]


class _Sum:
    """A sum of terms that may be infinite: the finite part, and how many terms are +inf and -inf."""

    __slots__ = ("finite", "pos", "neg")

    def __init__(self) -> None:
        self.finite, self.pos, self.neg = 0.0, 0, 0

    def add(self, value: float, sign: int = 1) -> None:
        if value == math.inf:
            self.pos += sign
        elif value == -math.inf:
            self.neg += sign
        else:
            self.finite += sign * value

    def without(self, value: float) -> float:
        """The sum of the other terms (nan when +inf and -inf meet, as adding them one by one gives)."""
        pos = self.pos - (value == math.inf)
        neg = self.neg - (value == -math.inf)
        if pos and neg:
            return math.nan
        if pos:
            return math.inf
        if neg:
            return -math.inf
        return self.finite - value if math.isfinite(value) else self.finite


def _term(c: int, bounds: list[float]) -> tuple[float, float]:
    """The lowest and highest value of c * x for x within its bounds."""
    lo, hi = bounds
    return (c * lo, c * hi) if c > 0 else (c * hi, c * lo)


def _propagate(bounds: list[list[float]], equations: list[_Equation]) -> bool:
    """Tighten interval bounds from every equation until nothing changes; False if inconsistent.

    Each equation keeps running sums of its terms' lowest and highest values, so tightening one cell costs one
    subtraction rather than a pass over the whole line (the audit's hot loop; exact, the counts are integers).
    """
    changed = True
    rounds = 0
    while changed and rounds < 200:
        changed = False
        rounds += 1
        for coefs, op in equations:
            lows, highs = _Sum(), _Sum()
            for k, ck in coefs.items():
                t_lo, t_hi = _term(ck, bounds[k])
                lows.add(t_lo)
                highs.add(t_hi)
            for i, c in coefs.items():
                own_lo, own_hi = _term(c, bounds[i])
                lo_sum, hi_sum = lows.without(own_lo), highs.without(own_hi)
                # c*x_i = -S (or >= -S), S in [lo_sum, hi_sum]
                if op == "=":
                    cand = sorted((-hi_sum / c, -lo_sum / c))
                    new_lo, new_hi = cand
                elif c > 0:
                    new_lo, new_hi = -hi_sum / c, math.inf
                else:
                    new_lo, new_hi = -math.inf, hi_sum / -c
                lo, hi = bounds[i]
                if new_lo > lo:
                    bounds[i][0] = math.ceil(new_lo - 1e-9) if new_lo != math.inf else new_lo
                    changed = True
                if new_hi < hi:
                    bounds[i][1] = math.floor(new_hi + 1e-9) if new_hi != -math.inf else new_hi
                    changed = True
                if bounds[i][0] > bounds[i][1]:
                    return False
                if (bounds[i][0], bounds[i][1]) != (lo, hi):  # later cells of the line see the tighter bounds
                    t_lo, t_hi = _term(c, bounds[i])
                    lows.add(own_lo, -1)
                    lows.add(t_lo)
                    highs.add(own_hi, -1)
                    highs.add(t_hi)
    return True


def attack(cells: Sequence[_Cell], equations: list[_Equation]) -> list[tuple[float, float]]:
    """Interval bounds for every cell from published values, labels and line-by-line subtraction."""
    bounds = [list(c.bounds) for c in cells]
    _propagate(bounds, equations)
    return [tuple(b) for b in bounds]


def _exposed(cells: Sequence[_Cell], equations: list[_Equation], safe: set[int] | None = None) -> list[int]:
    """Hidden cells holding a small count that the attacker can pin to one value.

    Cheap interval reasoning first; then, for every small hidden cell still in doubt, an exact integer program
    asks whether any table consistent with everything published gives that cell another value (combinations of
    rows and columns can pin a cell that no single line does).
    """
    # Hiding more cells only widens what an attacker must consider, so a cell once shown to have another
    # consistent value stays safe for the rest of the suppression loop (``safe`` carries that across rounds).
    safe = set() if safe is None else safe
    bounds = attack(cells, equations)
    exposed, doubtful = [], []
    for i, c in enumerate(cells):
        if c.state == _PUB or not c.sensitive or i in safe:
            continue
        (exposed if bounds[i][0] == bounds[i][1] else doubtful).append(i)
    if doubtful:
        exposed += _pinned_exactly(cells, equations, bounds, doubtful, safe)
    return exposed


WITNESS_STEPS = 400   # cells tried per search for another table, before the integer program decides


def _another_table(cells: Sequence[_Cell], equations: list[_Equation], bounds, i: int,
                   steps: int = WITNESS_STEPS) -> dict[int, int] | None:
    """A table consistent with everything published in which cell ``i`` is not its true value, found cheaply:
    {cell: change} (every change ±1), or None when this search finds none (the integer program then decides).

    Starting from the true table, ``i`` moves by one and each equation that no longer holds is repaired by moving
    another of its cells by one, depth first (a 2×2 cycle in a table, a quarter against its semester). What it
    returns is checked against every equation and bound, so a table it finds is a true witness: the cell is safe,
    exactly as when the integer program finds one. ``bounds`` are the attacker's (``attack``), as the program's.
    """
    of_cell: dict[int, list[int]] = {}
    for e, (coefs, _) in enumerate(equations):
        for k in coefs:
            of_cell.setdefault(k, []).append(e)
    slack = [sum(c * cells[k].value for k, c in coefs.items()) for coefs, _ in equations]
    residual = [0] * len(equations)
    delta: dict[int, int] = {}
    budget = [steps]

    def room(k: int, step: int) -> bool:
        lo, hi = bounds[k]
        return lo != hi and lo <= cells[k].value + step <= hi

    def move(k: int, step: int) -> None:
        delta[k] = delta.get(k, 0) + step
        for e in of_cell.get(k, ()):
            residual[e] += equations[e][0][k] * step

    def broken() -> int | None:
        for k in delta:
            for e in of_cell.get(k, ()):
                if residual[e] != 0 if equations[e][1] == "=" else residual[e] < -slack[e]:
                    return e
        return None

    def repair() -> bool:
        e = broken()
        if e is None:
            return True
        coefs = equations[e][0]
        sign = -1 if residual[e] > 0 else 1          # the direction c * step must take
        for k, c in coefs.items():
            step = sign * c
            if k in delta or not room(k, step):
                continue
            budget[0] -= 1
            if budget[0] < 0:
                return False
            move(k, step)
            if repair():
                return True
            move(k, -step)
            del delta[k]
        return False

    for step in (1, -1):
        if not room(i, step):
            continue
        move(i, step)
        if repair() and _holds(cells, equations, bounds, delta):
            return dict(delta)
        delta.clear()
        residual[:] = [0] * len(equations)
    return None


def _holds(cells: Sequence[_Cell], equations: list[_Equation], bounds, delta: dict[int, int]) -> bool:
    """Whether the true table changed by ``delta`` keeps every cell in its bounds and every equation."""
    value = lambda k: cells[k].value + delta.get(k, 0)  # noqa: E731
    if any(not bounds[k][0] <= value(k) <= bounds[k][1] for k in delta):
        return False
    for coefs, op in equations:
        total = sum(c * value(k) for k, c in coefs.items())
        if total != 0 if op == "=" else total < 0:
            return False
    return True


def _pinned_exactly(cells: Sequence[_Cell], equations: list[_Equation], bounds, candidates: list[int],
                    safe: set[int]) -> list[int]:
    """Of ``candidates``, those whose true value is the only integer value any consistent table allows.

    A cheap search for another consistent table settles most cells (``_another_table``); only the rest go to the
    integer program (SciPy's ``milp``, ~1 s to import). Which cells are pinned is a fact about the table, not about
    how a witness was found, so the suppression is the same either way (tests/test_disclosure.py)."""
    doubtful = []
    for i in candidates:
        if i in safe:
            continue
        changed = _another_table(cells, equations, bounds, i)
        if changed is None:
            doubtful.append(i)
        else:  # the other table is a witness for every small cell it changes, not just this one
            safe.update(j for j in candidates if j in changed)
    doubtful = [i for i in doubtful if i not in safe]
    return _pinned_by_program(cells, equations, bounds, doubtful, safe) if doubtful else []


def _pinned_by_program(cells: Sequence[_Cell], equations: list[_Equation], bounds, candidates: list[int],
                       safe: set[int]) -> list[int]:
    """Of ``candidates``, those pinned to their true value, decided by an integer program per cell and direction."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    unknown = [i for i, (lo, hi) in enumerate(bounds) if lo != hi]
    col = {v: j for j, v in enumerate(unknown)}
    rows, lower, upper = [], [], []
    for coefs, op in equations:
        row = np.zeros(len(unknown))
        const = 0.0
        for i, c in coefs.items():
            if i in col:
                row[col[i]] += c
            else:
                const += c * bounds[i][0]
        if not row.any():
            continue
        rows.append(row)
        lower.append(-const)
        upper.append(-const if op == "=" else np.inf)
    lo = np.array([bounds[i][0] for i in unknown], dtype=float)
    hi = np.array([bounds[i][1] for i in unknown], dtype=float)
    constraints = [LinearConstraint(np.array(rows), lower, upper)] if rows else []
    integrality = np.ones(len(unknown))
    pinned = []
    for i in candidates:
        if i in safe:
            continue
        truth = cells[i].value
        c = np.zeros(len(unknown))
        for sign in (-1.0, 1.0):   # maximise, then minimise the cell
            c[col[i]] = sign
            res = milp(c, constraints=constraints, integrality=integrality, bounds=Bounds(lo, hi))
            if res.status == 3:      # unbounded: certainly not pinned
                safe.add(i)
                break
            if res.status == 0 and round(res.x[col[i]]) != truth:
                # the alternative table is a witness for every small cell it changes, not just this one
                for j in candidates:
                    if round(res.x[col[j]]) != cells[j].value:
                        safe.add(j)
                break
        else:
            pinned.append(i)
    return pinned


def _lone_cells(cells: list[_Cell], equations: list[_Equation]) -> None:
    """Cheap first pass: wherever one line holds a single hidden cell, hide its next-smallest published cell."""
    changed = True
    while changed:
        changed = False
        for coefs, op in equations:
            if op != "=":
                continue
            hidden = [i for i in coefs if cells[i].state != _PUB]
            if len(hidden) != 1:
                continue
            free = [i for i in coefs if cells[i].state == _PUB and not cells[i].fixed and cells[i].value > 0]
            if free:
                cells[min(free, key=lambda i: (cells[i].value, i))].state = _SEC
                changed = True


def _suppress(cells: list[_Cell], equations: list[_Equation]) -> bool:
    """Primary, then complementary suppression until nothing small is exposed; True if the cells were withheld."""
    for c in cells:
        if not c.fixed and c.sensitive:
            c.state = _PRI
    _lone_cells(cells, equations)
    safe: set[int] = set()
    while True:
        exposed = _exposed(cells, equations, safe)
        if not exposed:
            return False
        lines = [coefs for coefs, _ in equations if any(i in coefs for i in exposed)]
        candidates = [i for coefs in lines for i in coefs
                      if cells[i].state == _PUB and not cells[i].fixed and cells[i].value > 0]
        if not candidates:
            candidates = [i for coefs, _ in equations if any(cells[k].state != _PUB for k in coefs)
                          for i in coefs if cells[i].state == _PUB and not cells[i].fixed and cells[i].value > 0]
        if candidates:
            # the next-smallest cell costs the reader least; ties go to the first in table order
            best = min(candidates, key=lambda i: (cells[i].value, i))
            cells[best].state = _SEC
            continue
        for c in cells:
            if not c.fixed:
                c.state = _HID
        if _exposed(cells, equations):  # cannot happen with a published total; refuse rather than leak
            for c in cells:
                c.state = _HID
        return True


# --------------------------------------------------------------------------------------------------------------
# Tables

@dataclass
class ProtectedTable:
    """A breakdown made safe for publik: every number computed once, reused by chart, table and download.

    ``cells`` has the breakdown columns plus ``value`` (nullable integer, NA when suppressed: safe to plot),
    ``label`` ("12", "<5", "<10", "x", "0"), ``suppressed`` (bool) and ``reason``. ``margins`` maps each additive
    breakdown that was summed out to a frame of the same shape (only for two breakdowns); ``total`` is the
    protected grand total (None for a multi-valued breakdown whose total was not given).
    """

    by: list[str]
    cells: pd.DataFrame
    margins: dict[str, pd.DataFrame] = field(default_factory=dict)
    total: ProtectedCount | None = None
    withheld: bool = False
    footnotes: list[str] = field(default_factory=list)

    @property
    def any_suppressed(self) -> bool:
        frames = [self.cells, *self.margins.values()]
        return bool(any(f["suppressed"].any() for f in frames) or (self.total and self.total.suppressed))

    def display_frame(self, value_header: str = "Jumlah", total_label: str = "Total") -> pd.DataFrame:
        """Rows to show or download: breakdown columns, then the label column; total row(s) last."""
        out = self.cells[self.by + ["label"]].rename(columns={"label": value_header})
        if len(self.by) == 1 and self.total is not None:
            out = pd.concat([out, pd.DataFrame({self.by[0]: [total_label], value_header: [self.total.label]})],
                            ignore_index=True)
        return out

    def download_frame(self, value_header: str = "jumlah") -> pd.DataFrame:
        """The same protected numbers as machine-readable columns: value (empty when hidden), label, status."""
        out = self.cells[self.by + ["value", "label", "suppressed"]].rename(columns={"value": value_header})
        if len(self.by) == 1 and self.total is not None:
            total = pd.DataFrame({self.by[0]: ["Total"], value_header: [self.total.value],
                                  "label": [self.total.label], "suppressed": [self.total.suppressed]})
            out = pd.concat([out, total.astype({value_header: "Int64"})], ignore_index=True)
        return out


def _label(cell: _Cell) -> tuple[int | None, str, bool, str | None]:
    if cell.state == _PUB:
        return cell.value, format_count(cell.value), False, None
    if cell.state == _PRI:
        return None, f"<{cell.threshold}", True, "primer"
    return None, SECONDARY_LABEL, True, "sekunder" if cell.state == _SEC else "ditahan"


def _frame(keys: list[tuple], names: list[str], cells: list[_Cell]) -> pd.DataFrame:
    rows = []
    for key, cell in zip(keys, cells):
        value, label, suppressed, reason = _label(cell)
        rows.append({**dict(zip(names, key)), "value": value, "label": label, "suppressed": suppressed,
                     "reason": reason, "threshold": cell.threshold})
    frame = pd.DataFrame(rows, columns=[*names, "value", "label", "suppressed", "reason", "threshold"])
    frame["value"] = frame["value"].astype("Int64")
    frame["suppressed"] = frame["suppressed"].astype(bool)
    return frame


def _period_links(codes: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(parent, children) for published periods that are the exact sum of other published periods."""
    present = {c: parse_period(c) for c in codes}
    code_of = {(p.kind, p.year, p.number): c for c, p in present.items()}
    links = []
    for code, p in present.items():
        if p.kind == "semester":
            kids = [code_of.get(("triwulan", p.year, q)) for q in (2 * p.number - 1, 2 * p.number)]
            if all(kids):
                links.append((code, kids))
        elif p.kind == "tahun":
            tiles: list[str] | None = []
            for half in (1, 2):
                semester = code_of.get(("semester", p.year, half))
                quarters = [code_of.get(("triwulan", p.year, q)) for q in (2 * half - 1, 2 * half)]
                if semester:
                    tiles.append(semester)
                elif all(quarters):
                    tiles.extend(quarters)
                else:
                    tiles = None
                    break
            if tiles:
                links.append((code, tiles))
    return links


def _solve_lines(periods: list, cats: list, values: dict, thresholds: dict, grands: dict, additive: bool,
                 links: list) -> dict:
    """Protect one breakdown over all periods at once: each period against its total, each category over time."""
    cells = {(p, c): _Cell(values.get((p, c), 0), thresholds[c]) for p in periods for c in cats}
    order = list(cells)
    everything = [cells[k] for k in order]
    pos = {k: i for i, k in enumerate(order)}
    equations: list[_Equation] = []
    for p in periods:
        g = grands.get(p)
        if g is None:
            continue
        everything.append(g)
        gi = len(everything) - 1
        coefs = {pos[(p, c)]: 1 for c in cats}
        coefs[gi] = -1
        equations.append((coefs, "=" if additive else ">="))
        if not additive:
            equations += [({pos[(p, c)]: -1, gi: 1}, ">=") for c in cats]
    for parent, children in links:
        for c in cats:
            coefs = {pos[(parent, c)]: 1}
            for child in children:
                coefs[pos[(child, c)]] = -1
            equations.append((coefs, "="))
    _suppress(everything, equations)
    return cells


def _solve_totals(periods: list, totals: dict, strict: bool, links: list) -> dict:
    """Grand totals per period: primary suppression, plus whatever the period sums would give away."""
    t = threshold(strict)
    cells = {p: _Cell(int(totals[p]), t) for p in periods if totals.get(p) is not None}
    order = list(cells)
    pos = {p: i for i, p in enumerate(order)}
    equations: list[_Equation] = []
    for parent, children in links:
        if parent in pos and all(c in pos for c in children):
            coefs = {pos[parent]: 1}
            coefs.update({pos[c]: -1 for c in children})
            equations.append((coefs, "="))
    _suppress([cells[p] for p in order], equations)
    for c in cells.values():
        c.fixed = True
    return cells


def protect(df: pd.DataFrame, count_col: str, by: Sequence[str], strict: bool | str = False,
            multi_valued: Iterable[str] = (), total: int | dict | None = None, period_col: str | None = None):
    """Protect counts broken down by up to two columns for publik.

    ``strict`` is True for a table that falls wholly under the threshold of 10, or the name of a boolean column
    marking the strict cells (e.g. child × sexual). ``multi_valued`` names breakdowns where one victim can count
    in several categories (violence form): they have no summed total; pass ``total`` (e.g. the number of
    victims) so that "each form ≤ total ≤ sum of forms" is also defended.

    With ``period_col`` the frame holds several public periods (codes such as 2024-T1, 2024-S1, 2024) and the
    result is {period code: ProtectedTable}: periods are protected together, because a semester minus one quarter
    is the other quarter. ``total`` is then a {period code: int} mapping.
    """
    by = list(by)
    check_breakdowns(by)
    multi = set(multi_valued)
    unknown = multi - set(by)
    if unknown:
        raise ValueError(f"multi_valued not in by: {sorted(unknown)}")
    if (df[count_col] < 0).any():
        raise ValueError("counts must not be negative")
    strict_col = strict if isinstance(strict, str) else None
    table_strict = bool(strict) if strict_col is None else False

    work = df.copy()
    single = period_col is None
    if single:
        period_col = "__period__"
        work[period_col] = "__all__"
        totals = {"__all__": total}
    else:
        totals = dict(total) if isinstance(total, dict) else {}
    periods = list(pd.unique(work[period_col]))
    links = [] if single else _period_links(periods)
    all_additive = not (multi & set(by))

    if not by:
        sums = work.groupby(period_col, sort=False)[count_col].sum()
        grand_values = {p: (int(sums[p]) if totals.get(p) is None else int(totals[p])) for p in periods}
        grands = _solve_totals(periods, grand_values, table_strict, links)
        out = {}
        for p in periods:
            pt = _total_count(grands[p])
            out[p] = ProtectedTable([], pd.DataFrame(), {}, pt, False, [FOOTNOTE_SUPPRESSION] if pt.suppressed else [])
        return out["__all__"] if single else out

    keep = [period_col, *by, count_col] + ([strict_col] if strict_col else [])
    agg = {count_col: "sum", **({strict_col: "max"} if strict_col else {})}
    work = work[keep].groupby([period_col, *by], sort=False, dropna=False).agg(agg).reset_index()
    categories = [list(pd.unique(work[b])) for b in by]
    keys = list(itertools.product(*categories))
    values = {(r[0], tuple(r[1:1 + len(by)])): int(r[1 + len(by)])
              for r in work[[period_col, *by, count_col]].itertuples(index=False)}
    strict_of = {k: table_strict for k in keys}
    if strict_col:
        for r in work[[*by, strict_col]].itertuples(index=False):
            strict_of[tuple(r[:len(by)])] = strict_of.get(tuple(r[:len(by)]), False) or bool(r[-1])

    if all_additive:
        grand_values = {p: sum(values.get((p, k), 0) for k in keys) for p in periods}
    else:
        grand_values = {p: totals.get(p) for p in periods}
    grand_strict = table_strict or all(strict_of.values())
    grands = _solve_totals(periods, grand_values, grand_strict, links)

    if len(by) == 1:
        cells = _solve_lines(periods, keys, values, {k: threshold(strict_of[k]) for k in keys}, grands,
                             all_additive, links)
        out = {}
        for p in periods:
            frame = _frame(keys, by, [cells[(p, k)] for k in keys])
            table = ProtectedTable(by, frame, {}, _total_count(grands.get(p)), _withheld([cells[(p, k)] for k in keys]))
            table.footnotes = [FOOTNOTE_SUPPRESSION] if table.any_suppressed else []
            out[p] = table
        return out["__all__"] if single else out

    # Two breakdowns: margins are protected first exactly as the one-breakdown tables are (so they agree with
    # those tables), then fixed while the inner cells are protected.
    inner = {(p, k): _Cell(values.get((p, k), 0), threshold(strict_of[k])) for p in periods for k in keys}
    order = list(inner)
    everything: list[_Cell] = [inner[k] for k in order]
    pos = {k: i for i, k in enumerate(order)}
    equations: list[_Equation] = []
    grand_pos = {}
    for p, g in grands.items():
        everything.append(g)
        grand_pos[p] = len(everything) - 1
    margins: dict[str, tuple[list, dict]] = {}
    for summed, kept in ((1, 0), (0, 1)):
        if by[summed] in multi:
            continue
        kept_cats = [(c,) for c in categories[kept]]
        line_values = {(p, kc): sum(values.get((p, k), 0) for k in keys if k[kept] == kc[0])
                       for p in periods for kc in kept_cats}
        line_thresholds = {kc: threshold(all(strict_of[k] for k in keys if k[kept] == kc[0])) for kc in kept_cats}
        kept_additive = by[kept] not in multi
        margin_cells = _solve_lines(periods, kept_cats, line_values, line_thresholds,
                                    grands if kept_additive else {}, kept_additive, links)
        margin_pos = {}
        for (p, kc), cell in margin_cells.items():
            cell.fixed = True
            everything.append(cell)
            m = margin_pos[(p, kc)] = len(everything) - 1
            coefs = {pos[(p, k)]: 1 for k in keys if k[kept] == kc[0]}
            coefs[m] = -1
            equations.append((coefs, "="))
        for p in periods:
            if kept_additive and p in grand_pos:  # the margins add up to the published grand total
                coefs = {margin_pos[(p, kc)]: 1 for kc in kept_cats}
                coefs[grand_pos[p]] = -1
                equations.append((coefs, "="))
        margins[by[summed]] = (kept_cats, margin_cells)
    for parent, children in links:
        for k in keys:
            coefs = {pos[(parent, k)]: 1}
            coefs.update({pos[(child, k)]: -1 for child in children})
            equations.append((coefs, "="))
    _suppress(everything, equations)
    out = {}
    for p in periods:
        p_cells = [inner[(p, k)] for k in keys]
        frame = _frame(keys, by, p_cells)
        margin_frames = {}
        for summed_name, (kept_cats, margin_cells) in margins.items():
            kept_name = [b for b in by if b != summed_name][0]
            margin_frames[summed_name] = _frame(kept_cats, [kept_name], [margin_cells[(p, kc)] for kc in kept_cats])
        table = ProtectedTable(by, frame, margin_frames, _total_count(grands.get(p)), _withheld(p_cells))
        table.footnotes = [FOOTNOTE_SUPPRESSION] if table.any_suppressed else []
        out[p] = table
    return out["__all__"] if single else out


def _withheld(cells: list[_Cell]) -> bool:
    return bool(cells) and all(c.state == _HID for c in cells)


def _total_count(cell: _Cell | None) -> ProtectedCount | None:
    if cell is None:
        return None
    value, label, suppressed, reason = _label(cell)
    return ProtectedCount(value, label, suppressed, reason)
