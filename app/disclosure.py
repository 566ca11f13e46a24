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
from fractions import Fraction
from typing import Iterable, Sequence

import pandas as pd

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
DEFAULT_SOURCE = "DPMPPA Kota Jambi (UPTD PPA dan lembaga pelapor)"
NOT_PREVALENCE = "Angka adalah kasus yang dilaporkan, bukan angka prevalensi."


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
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


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


def snap_period(start: dt.date | str, end: dt.date | str) -> Period:
    """The largest public period lying inside start..end; if none fits, the quarter containing ``end``."""
    first, last = _month(start), _month(end)
    for kind, size in (("tahun", 12), ("semester", 6), ("triwulan", 3)):
        for year in range(last.year, first.year - 1, -1):
            for number in range(12 // size, 0, -1):
                p = Period(kind, year, number)
                if first <= p.start and p.end <= last:
                    return p
    return Period("triwulan", last.year, (last.month - 1) // 3 + 1)


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


def public_footer(period: Period | str, provisional: bool, source: str = DEFAULT_SOURCE,
                  suppressed: bool = True) -> str:
    """The sentence every public output carries: source, period, provisional status, and what the numbers are."""
    label = period.label if isinstance(period, Period) else str(period)
    parts = [f"Sumber: {source}.", f"Periode: {label}."]
    if provisional:
        parts.append("Data sementara: laporan yang terlambat masih dapat menambah angka.")
    parts.append(NOT_PREVALENCE)
    if suppressed:
        parts.append("Angka 1–4 ditampilkan \"<5\" (1–9 ditampilkan \"<10\" untuk anak korban kekerasan seksual "
                     f"dan TPPO); \"x\" = disamarkan; {FOOTNOTE_SUPPRESSION}.")
    return " ".join(parts)


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


def _propagate(bounds: list[list[float]], equations: list[_Equation]) -> bool:
    """Tighten interval bounds from every equation until nothing changes; False if inconsistent."""
    changed = True
    rounds = 0
    while changed and rounds < 200:
        changed = False
        rounds += 1
        for coefs, op in equations:
            for i, c in coefs.items():
                lo_sum = hi_sum = 0.0
                for k, ck in coefs.items():
                    if k == i:
                        continue
                    lo_k, hi_k = bounds[k]
                    lo_sum += ck * lo_k if ck > 0 else ck * hi_k
                    hi_sum += ck * hi_k if ck > 0 else ck * lo_k
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
    return True


def _determined_by_linear_algebra(bounds: list[list[float]], equations: list[_Equation]) -> dict[int, Fraction]:
    """Unknown cells whose value follows from the equalities alone (e.g. a cell bridging two suppressed blocks)."""
    unknown = [i for i, (lo, hi) in enumerate(bounds) if lo != hi]
    if not unknown:
        return {}
    col = {v: j for j, v in enumerate(unknown)}
    rows: list[list[Fraction]] = []
    for coefs, op in equations:
        if op != "=":
            continue
        row = [Fraction(0)] * (len(unknown) + 1)
        rhs = Fraction(0)
        for i, c in coefs.items():
            if i in col:
                row[col[i]] += c
            else:
                rhs -= c * int(bounds[i][0])
        if any(row[:-1]):
            row[-1] = rhs
            rows.append(row)
    # reduced row echelon form
    pivots: list[int] = []
    r = 0
    n = len(unknown)
    for j in range(n):
        pivot = next((k for k in range(r, len(rows)) if rows[k][j] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        p = rows[r][j]
        rows[r] = [x / p for x in rows[r]]
        for k in range(len(rows)):
            if k != r and rows[k][j] != 0:
                f = rows[k][j]
                rows[k] = [a - f * b for a, b in zip(rows[k], rows[r])]
        pivots.append(j)
        r += 1
        if r == len(rows):
            break
    found = {}
    for k, j in enumerate(pivots):
        if all(rows[k][m] == 0 for m in range(n) if m != j):
            found[unknown[j]] = rows[k][-1]
    return found


def attack(cells: Sequence[_Cell], equations: list[_Equation]) -> list[tuple[float, float]]:
    """Tightest bounds this attacker derives for every cell from published values, labels and equations."""
    bounds = [list(c.bounds) for c in cells]
    while True:
        _propagate(bounds, equations)
        found = _determined_by_linear_algebra(bounds, equations)
        if not found:
            return [tuple(b) for b in bounds]
        for i, value in found.items():
            bounds[i] = [value, value]


def _exposed(cells: Sequence[_Cell], equations: list[_Equation]) -> list[int]:
    """Hidden cells holding a small count that the attacker can pin to one value."""
    bounds = attack(cells, equations)
    return [i for i, c in enumerate(cells) if c.state != _PUB and c.sensitive and bounds[i][0] == bounds[i][1]]


def _suppress(cells: list[_Cell], equations: list[_Equation]) -> bool:
    """Primary, then complementary suppression until nothing small is exposed; True if the cells were withheld."""
    for c in cells:
        if not c.fixed and c.sensitive:
            c.state = _PRI
    while True:
        exposed = _exposed(cells, equations)
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


def _one_dimension(values: list[int], thresholds: list[int], total: _Cell | None, additive: bool,
                   fixed: list[_Cell] | None = None) -> tuple[list[_Cell], bool]:
    """Protect a list of counts against its total (sum, or an at-least total for a multi-valued breakdown)."""
    cells = fixed if fixed is not None else [_Cell(v, t) for v, t in zip(values, thresholds)]
    everything = cells + ([total] if total is not None else [])
    equations: list[_Equation] = []
    if total is not None:
        g = len(cells)
        coefs = {i: 1 for i in range(g)}
        coefs[g] = -1
        equations.append((coefs, "=" if additive else ">="))
        if not additive:
            equations += [({i: -1, g: 1}, ">=") for i in range(g)]
    withheld = _suppress(everything, equations)
    return cells, withheld


def protect(df: pd.DataFrame, count_col: str, by: Sequence[str], strict: bool | str = False,
            multi_valued: Iterable[str] = (), total: int | None = None) -> ProtectedTable:
    """Protect counts broken down by up to two columns for publik.

    ``strict`` is True for a table that falls wholly under the threshold of 10, or the name of a boolean column
    marking the strict cells (e.g. child × sexual). ``multi_valued`` names breakdowns where one victim can count
    in several categories (violence form): they have no summed total; pass ``total`` (e.g. the number of
    victims) for a one-breakdown table so that "each form ≤ total ≤ sum of forms" is also defended.
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

    if not by:
        n = int(df[count_col].sum()) if total is None else int(total)
        pt = protect_total(n, table_strict)
        return ProtectedTable([], pd.DataFrame(), {}, pt, False, [FOOTNOTE_SUPPRESSION] if pt.suppressed else [])

    work = df[by + [count_col] + ([strict_col] if strict_col else [])].copy()
    agg = {count_col: "sum", **({strict_col: "max"} if strict_col else {})}
    work = work.groupby(by, sort=False, dropna=False).agg(agg).reset_index()
    categories = [list(pd.unique(work[b])) for b in by]
    keys = list(itertools.product(*categories))
    lookup = {tuple(r[b] for b in by): (int(r[count_col]), bool(r[strict_col]) if strict_col else table_strict)
              for _, r in work.iterrows()}
    values = [lookup.get(k, (0, False))[0] for k in keys]
    stricts = [lookup.get(k, (0, table_strict))[1] if strict_col else table_strict for k in keys]

    all_additive = not (multi & set(by))
    grand_value = sum(values) if all_additive else total
    grand = None
    if grand_value is not None:
        gp = protect_total(grand_value, table_strict or (bool(stricts) and all(stricts)))
        grand = _Cell(int(grand_value), threshold(table_strict or (bool(stricts) and all(stricts))), fixed=True,
                      state=_PRI if gp.suppressed else _PUB)

    if len(by) == 1:
        cells, withheld = _one_dimension(values, [threshold(s) for s in stricts], grand, all_additive)
        frame = _frame(keys, by, cells)
        table = ProtectedTable(by, frame, {}, _total_count(grand), withheld)
        table.footnotes = [FOOTNOTE_SUPPRESSION] if table.any_suppressed else []
        return table

    # Two breakdowns: margins are protected first as one-breakdown tables (so they agree with those tables),
    # then fixed while the inner cells are protected.
    a_cats, b_cats = categories
    index = {k: i for i, k in enumerate(keys)}
    inner = [_Cell(v, threshold(s)) for v, s in zip(values, stricts)]
    everything: list[_Cell] = list(inner)
    equations: list[_Equation] = []
    margins: dict[str, tuple[list[tuple], list[_Cell]]] = {}
    grand_index = None
    if grand is not None:
        everything.append(grand)
        grand_index = len(everything) - 1
    for summed, kept, kept_cats in ((1, 0, a_cats), (0, 1, b_cats)):
        if by[summed] in multi:
            continue
        line_keys = []
        line_values, line_stricts = [], []
        for cat in kept_cats:
            members = [k for k in keys if k[kept] == cat]
            line_keys.append((cat,))
            line_values.append(sum(values[index[k]] for k in members))
            line_stricts.append(all(stricts[index[k]] for k in members))
        kept_additive = by[kept] not in multi
        margin_cells, _ = _one_dimension(line_values, [threshold(s) for s in line_stricts],
                                         grand if kept_additive else None, kept_additive)
        for m in margin_cells:
            m.fixed = True
        start = len(everything)
        everything.extend(margin_cells)
        for j, cat in enumerate(kept_cats):
            coefs = {index[k]: 1 for k in keys if k[kept] == cat}
            coefs[start + j] = -1
            equations.append((coefs, "="))
        if kept_additive and grand_index is not None:
            coefs = {start + j: 1 for j in range(len(kept_cats))}
            coefs[grand_index] = -1
            equations.append((coefs, "="))
        margins[by[summed]] = (line_keys, margin_cells)
    withheld = _suppress(everything, equations)
    frame = _frame(keys, by, inner)
    margin_frames = {}
    for summed_name, (line_keys, margin_cells) in margins.items():
        kept_name = [b for b in by if b != summed_name][0]
        margin_frames[summed_name] = _frame(line_keys, [kept_name], margin_cells)
    table = ProtectedTable(by, frame, margin_frames, _total_count(grand), withheld)
    table.footnotes = [FOOTNOTE_SUPPRESSION] if table.any_suppressed else []
    return table


def _total_count(cell: _Cell | None) -> ProtectedCount | None:
    if cell is None:
        return None
    value, label, suppressed, reason = _label(cell)
    return ProtectedCount(value, label, suppressed, reason)
