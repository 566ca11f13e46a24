"""Release rows shaped for the publik charts and tables: series over periods, cross tables, ranking, colours.

Every cell keeps its protected value and label from report/release.py; nothing here computes or protects a number.
"""

from __future__ import annotations

import pandas as pd

from report import charts, release
from report import disclosure as dc


def series(counts: pd.DataFrame, name: str, chosen: list[dc.Period]) -> dc.ProtectedTable:
    """A public table's grand totals over fixed periods (oldest first) as a ProtectedTable by "Periode"."""
    rows = []
    for p in sorted(chosen, key=lambda p: p.start):
        t = release.total(counts, name, p.code)
        if t is not None:
            rows.append({"Periode": p.label, "value": t.value, "label": t.label, "suppressed": t.suppressed,
                         "reason": t.reason, "periode_singkat": short_label(p)})
    cells = pd.DataFrame(rows, columns=["Periode", "value", "label", "suppressed", "reason", "periode_singkat"])
    cells["value"] = cells["value"].astype("Int64")
    out = dc.ProtectedTable(["Periode"], cells)
    out.footnotes = [dc.FOOTNOTE_SUPPRESSION] if out.any_suppressed else []
    return out


def series_by(counts: pd.DataFrame, name: str, chosen: list[dc.Period]) -> dc.ProtectedTable:
    """A one-breakdown public table over fixed periods (oldest first): "Periode" × its breakdown."""
    frames, breakdown = [], None
    for p in sorted(chosen, key=lambda p: p.start):
        t = release.table(counts, name, p.code)
        breakdown = breakdown or t.by  # the oldest period's (read once: each table is a lookup in the release)
        frames.append(t.cells.assign(Periode=p.label, periode_singkat=short_label(p)))
    cells = pd.concat(frames, ignore_index=True)
    by = ["Periode", *breakdown]
    cells = cells[by + [c for c in cells.columns if c not in by]]
    out = dc.ProtectedTable(by, cells)
    out.footnotes = [dc.FOOTNOTE_SUPPRESSION] if out.any_suppressed else []
    return out


def short_label(p: dc.Period) -> str:
    """A period for a crowded axis: "Tw I 2024", "Smt II 2024", "2024"."""
    return {"triwulan": f"Tw {dc.ROMAN[p.number]} {p.year}", "semester": f"Smt {dc.ROMAN[p.number]} {p.year}",
            "tahun": str(p.year)}[p.kind]


def grid(t: dc.ProtectedTable) -> pd.DataFrame:
    """A two-breakdown ProtectedTable as a cross table of labels (rows: first breakdown), for st.dataframe."""
    rows, columns = t.by
    wide = t.cells.pivot(index=rows, columns=columns, values="label")
    wide = wide.reindex(index=list(dict.fromkeys(t.cells[rows])), columns=list(dict.fromkeys(t.cells[columns])))
    return wide.reset_index().rename_axis(columns=None)


def form_colours(t: dc.ProtectedTable) -> list[str]:
    """The form colours (the same as in the staff charts) for a table broken down by form."""
    colours = charts.form_colours()
    return [colours.get(code, "#999999") for code in t.cells["kode_bentuk"]]


def ranked(t: dc.ProtectedTable) -> dc.ProtectedTable:
    """The same protected cells, most first (suppressed cells after the published ones)."""
    cells = t.cells.assign(_order=t.cells["value"].astype("Float64").fillna(-1)).sort_values(
        "_order", ascending=False, kind="stable").drop(columns="_order").reset_index(drop=True)
    return dc.ProtectedTable(t.by, cells, t.margins, t.total, t.withheld, t.footnotes)
