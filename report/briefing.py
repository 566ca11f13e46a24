"""The briefing for a period: a headline and key points to read aloud, the caveats, and the tables behind the charts.

Every number comes from report/queries.py (the same functions the dashboard's charts use), so a sentence in a deck can
never disagree with the chart next to it. Pure: a connection and a period in, a Briefing out; no Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from report import compare
from report import format as fmt
from report import queries, sentences
from report.queries import Filters
from etl import vocab

SUBJECT = "kekerasan terhadap perempuan dan anak"
MULTI_FORM_SENTENCE = ("Satu korban dapat mengalami lebih dari satu bentuk, jadi angka ini menghitung korban per "
                       "bentuk dan jumlahnya lebih besar dari jumlah korban.")


@dataclass(frozen=True)
class Briefing:
    """What a paparan says about one period: sentences to read aloud, caveats, figures and the charts' tables."""

    filters: Filters
    period: str                    # "Januari–Oktober 2024"
    previous_period: str           # "Januari–Oktober 2023"
    headline: str
    key_points: tuple[str, ...]
    caveats: tuple[str, ...]
    footer: tuple[str, ...]        # source, data date, provisional, not prevalence, demo label
    figures: dict[str, int | None]
    tables: dict[str, pd.DataFrame] = field(repr=False)
    prepared_on: dt.date = field(default_factory=dt.date.today)
    demo: bool = False

    @property
    def sentences(self) -> tuple[str, ...]:
        """The headline followed by the key points: what the speaker notes and the page read out."""
        return (self.headline, *self.key_points)

    @property
    def provisional_months(self) -> list[dt.date]:
        """Months of the period still filling up with late reports."""
        monthly = self.tables["bulanan"]
        return [pd.Timestamp(m).date() for m in monthly.loc[monthly["provisional"].fillna(False).astype(bool),
                                                             "month"]]


def _int(df: pd.DataFrame, column: str) -> int:
    if df.empty or pd.isna(df[column].iloc[0]):
        return 0
    return int(df[column].iloc[0])


def _names(items: list[str]) -> str:
    """'A', 'A dan B', 'A, B, dan C'."""
    if len(items) <= 2:
        return " dan ".join(items)
    return f"{', '.join(items[:-1])}, dan {items[-1]}"


def month_runs(months: list[dt.date]) -> list[str]:
    """Consecutive months joined into period labels: [Aug, Sep, Okt 2024] -> ['Agustus–Oktober 2024']."""
    runs: list[list[dt.date]] = []
    for month in sorted(months):
        if runs and queries.add_months(runs[-1][-1], 1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [fmt.period_label(run[0], run[-1]) for run in runs]


def headline_sentence(f: Filters, cases: int, tppo: int, previous_cases: int, previous_period: str) -> str:
    """'Sampai Oktober 2024 tercatat 149 kasus …, 22 di antaranya TPPO; naik 94% dibanding Januari–Oktober 2023.'"""
    if f.start.month == 1 and f.end != f.start and f.start.year == f.end.year:
        when = f"Sampai {fmt.month_name(f.end.month)} {f.end.year}"
    else:
        when = f"Pada {fmt.period_label(f.start, f.end)}"
    if cases == 0:
        return f"{when} tidak ada kasus {SUBJECT} yang dilaporkan."
    text = f"{when} tercatat {fmt.number(cases)} kasus {SUBJECT}, {fmt.number(tppo)} di antaranya TPPO"
    if previous_cases > 0:
        change = fmt.change(cases, previous_cases)
        if change == "tetap":
            text += f"; sama dengan {previous_period} ({fmt.number(previous_cases)} kasus)."
        else:
            text += (f"; {change} dibanding {previous_period} ({fmt.number(previous_cases)} kasus), "
                     f"{compare.compare_counts(cases, previous_cases).words}.")
    else:
        text += f"; belum ada data pembanding untuk {previous_period}."
    return text


def district_point(districts: pd.DataFrame, cases: int) -> str:
    """The kecamatan with the most cases, with the next two."""
    ranked = districts[districts["kasus"] > 0].sort_values(["kasus", "korban"], ascending=False)
    if ranked.empty:
        return "Belum ada kasus yang tercatat menurut kecamatan pada periode ini."
    most = int(ranked["kasus"].iloc[0])
    leaders = ranked[ranked["kasus"] == most]
    share = fmt.percent(most / cases, 0) if cases else "–"
    if len(leaders) == 1:
        text = (f"Kasus terbanyak tercatat di Kecamatan {leaders['district'].iloc[0]}: {fmt.number(most)} kasus, "
                f"{share} dari seluruh kasus")
    else:
        text = (f"Kasus terbanyak tercatat di Kecamatan {_names(list(leaders['district']))}, masing-masing "
                f"{fmt.number(most)} kasus")
    rest = ranked[ranked["kasus"] < most].head(2)
    if not rest.empty:
        text += ", disusul " + _names([f"{d} ({fmt.number(k)})" for d, k in zip(rest["district"], rest["kasus"])])
    return text + "."


def form_name(code: str, label: str) -> str:
    """How a form is said aloud: 'kekerasan seksual', 'penelantaran', 'Trafficking (TPPO)'."""
    if code in ("fisik", "psikis", "seksual"):
        return f"kekerasan {label.lower()}"
    return label if code == "tppo" else label.lower()


def form_point(forms: pd.DataFrame) -> str:
    """The most frequent form, counted in victims per form, with the next two."""
    ranked = forms[forms["victims"] > 0].sort_values("victims", ascending=False, kind="stable")
    if ranked.empty:
        return "Belum ada korban yang tercatat menurut bentuk kekerasan pada periode ini."
    top = ranked.iloc[0]
    name = form_name(top["violence_type"], top["label"])
    text = f"Bentuk kekerasan yang paling banyak dialami korban adalah {name}: {fmt.number(int(top['victims']))} korban"
    rest = ranked.iloc[1:3]
    if not rest.empty:
        text += ", disusul " + _names([f"{form_name(c, label)} ({fmt.number(int(v))} korban)"
                                       for c, label, v in zip(rest["violence_type"], rest["label"], rest["victims"])])
    return f"{text}. {MULTI_FORM_SENTENCE}"


def child_point(child_adult: pd.DataFrame, groups: pd.DataFrame) -> str:
    """The share of child victims, split into girls and boys."""
    victims = int(child_adult["victims"].sum())
    if victims == 0:
        return "Belum ada korban yang tercatat pada periode ini."
    children = int(child_adult.loc[child_adult["age_group"].str.startswith("Anak"), "victims"].sum())
    by_group = dict(zip(groups["victim_group"], groups["victims"]))
    girls, boys = int(by_group.get("Anak perempuan", 0)), int(by_group.get("Anak laki-laki", 0))
    text = (f"{fmt.number(children)} dari {fmt.number(victims)} korban ({fmt.percent(children / victims, 0)}) "
            f"adalah anak di bawah 18 tahun: {fmt.number(girls)} anak perempuan dan {fmt.number(boys)} anak laki-laki")
    unknown = int(child_adult.loc[child_adult["age_group"] == "Usia tidak diketahui", "victims"].sum())
    if unknown:
        text += f"; usia {fmt.number(unknown)} korban tidak diketahui"
    return text + "."


def perpetrator_point(totals: pd.DataFrame, relationships: pd.DataFrame) -> str:
    """Pelaku recorded for the cases: how many, men, children, the most frequent relationship to the victim."""
    count = _int(totals, "pelaku")
    if count == 0:
        return "Belum ada pelaku yang tercatat untuk kasus periode ini."
    men, children = _int(totals, "pelaku_laki"), _int(totals, "pelaku_anak")
    text = (f"Pelaku tercatat: {fmt.number(count)} pelaku dari {fmt.number(_int(totals, 'kasus_dengan_pelaku'))} "
            f"kasus, {fmt.number(men)} di antaranya laki-laki dan {fmt.number(children)} anak di bawah 18 tahun")
    known = relationships[(relationships["code"] != "__kosong__") & (relationships["perpetrators"] > 0)]
    if not known.empty:
        top = known.sort_values("perpetrators", ascending=False, kind="stable").iloc[0]
        text += f"; hubungan dengan korban terbanyak: {top['label']} ({fmt.number(int(top['perpetrators']))} pelaku)"
    return text + "."


def tppo_point(now: pd.DataFrame, before: pd.DataFrame, tppo_months: pd.DataFrame, previous_period: str) -> str:
    """TPPO cases and victims against last year, and the month with the most TPPO cases."""
    cases, victims, previous = _int(now, "kasus_tppo"), _int(now, "korban_tppo"), _int(before, "kasus_tppo")
    if cases == 0:
        text = "Tidak ada kasus TPPO yang dilaporkan pada periode ini"
        return text + (f" (periode yang sama tahun lalu: {fmt.number(previous)} kasus)." if previous else ".")
    text = f"Kasus TPPO (perdagangan orang): {fmt.number(cases)} kasus dengan {fmt.number(victims)} korban"
    if previous > 0:
        change = fmt.change(cases, previous)
        text += f", {change} dibanding {previous_period} ({fmt.number(previous)} kasus)"
        if change != "tetap":
            text += f", {compare.compare_counts(cases, previous).words}"
    else:
        text += f"; pada {previous_period} tidak ada kasus TPPO yang tercatat"
    peak = tppo_months.sort_values(["kasus", "month"], ascending=[False, True]).iloc[0]
    if int(peak["kasus"]) > 1 and len(tppo_months) > 2:
        text += (f". Bulan dengan kasus TPPO terbanyak: {fmt.month_label(pd.Timestamp(peak['month']).date(), False)} "
                 f"({fmt.number(int(peak['kasus']))} kasus)")
    return text + "."


def missing_reports(matrix: pd.DataFrame) -> list[str]:
    """'Dinas Sosial (Agustus–Oktober 2024)' for every agency with months without a file."""
    missing = matrix[matrix["status"] == "belum ada"]
    out = []
    for agency, part in missing.groupby("agency", sort=False):
        name = part["agency_name"].iloc[0] or agency
        months = [pd.Timestamp(m).date() for m in part["month"]]
        out.append(f"{name} ({', '.join(month_runs(months))})")
    return out


def caveat_point(provisional: list[dt.date], missing: list[str], demo: bool) -> str:
    """One sentence of data caveats to read aloud: provisional months and agencies that have not reported."""
    parts = []
    if provisional:
        parts.append(f"data {_names(month_runs(provisional))} masih sementara karena laporan terlambat masih "
                     "bisa masuk")
    if missing:
        parts.append(f"belum ada laporan dari {_names(missing)}")
    else:
        parts.append("semua lembaga pelapor sudah mengirim laporan untuk setiap bulan periode ini")
    text = "Catatan data: " + "; ".join(parts) + ". " + sentences.NOT_PREVALENCE
    if demo:
        text += f" Ini {sentences.DEMO_LABEL}, bukan data sebenarnya."
    return text


def recap_caveat(recaps: pd.DataFrame) -> str | None:
    """Recap-only agencies are reported apart, never added to the case count."""
    if recaps.empty or int(recaps["victims"].sum()) == 0:
        return None
    names = {a.code: a.name for a in vocab.agencies()}
    agencies = _names([names.get(a, a) for a in dict.fromkeys(recaps["agency"])])
    return (f"Rekap bulanan dari {agencies} ({fmt.number(int(recaps['victims'].sum()))} korban per bentuk) tidak "
            "dijumlahkan ke angka kasus dan korban karena rekap tidak dapat dicek ganda terhadap register.")


def task_force_tables(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """The Gugus Tugas TPPO tables (issue 23): TPPO in both periods, purpose, channel, destinations, children,
    repatriations (korban) and the case-stage funnels (kasus)."""
    funnels, details = queries.stage_funnels(con, f), queries.tppo_details(con, f)
    return {
        "tppo_dua_periode": queries.tppo_two_periods(con, f, f.previous_year()),
        "tppo_tujuan": details["purpose"],
        "tppo_rekrut": details["channel"],
        "tppo_daerah": details["destinations"],
        "tppo_anak": details["children"],
        "tppo_pulang": details["repatriations"],
        "tahap_tppo": funnels["tppo"],
        "tahap_semua": funnels["all"],
    }


def build_briefing(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date,
                   today: dt.date | None = None) -> Briefing:
    """The briefing for the whole city over start..end (months, inclusive), compared with the same months last year."""
    f = Filters(start=start, end=end)
    previous = f.previous_year()
    period, previous_period = fmt.period_label(f.start, f.end), fmt.period_label(previous.start, previous.end)
    now, before = queries.headline(con, f), queries.headline(con, previous)
    tables = {
        "bulanan": queries.monthly_totals(con, f),
        "tren_tahunan": queries.year_over_year(con, f),
        "kecamatan": queries.district_totals(con, f),
        "bentuk": queries.form_totals(con, f),
        "tppo_bulanan": queries.monthly_totals(con, f.only_tppo()),
        "kelompok_korban": queries.victim_groups(con, f),
        "anak_dewasa": queries.child_adult(con, f),
        "laporan_lembaga": queries.submission_matrix(con, f),
        "rekap": queries.recap_months(con, f),
        **task_force_tables(con, f),
        "pelaku": queries.perpetrator_totals(con, f),
        "pelaku_hubungan": queries.perpetrator_relationships(con, f),
    }
    facts = queries.database_facts(con)
    demo = sentences.is_demo(facts)
    cases, tppo = _int(now, "kasus"), _int(now, "kasus_tppo")
    figures = {
        "kasus": cases, "korban": _int(now, "korban"), "kasus_tppo": tppo, "korban_tppo": _int(now, "korban_tppo"),
        "korban_anak": _int(now, "korban_anak"), "kasus_lalu": _int(before, "kasus"),
        "korban_lalu": _int(before, "korban"), "kasus_tppo_lalu": _int(before, "kasus_tppo"),
        "pelaku": _int(tables["pelaku"], "pelaku"), "pelaku_anak": _int(tables["pelaku"], "pelaku_anak"),
    }
    monthly = tables["bulanan"]
    provisional = [pd.Timestamp(m).date() for m in monthly.loc[monthly["provisional"].fillna(False).astype(bool),
                                                                "month"]]
    missing = missing_reports(tables["laporan_lembaga"])
    key_points = (
        district_point(tables["kecamatan"], cases),
        form_point(tables["bentuk"]),
        # who: the victims, then the perpetrators recorded for the cases
        child_point(tables["anak_dewasa"], tables["kelompok_korban"]) + " "
        + perpetrator_point(tables["pelaku"], tables["pelaku_hubungan"]),
        tppo_point(now, before, tables["tppo_bulanan"], previous_period),
        caveat_point(provisional, missing, demo),
    )
    caveats = [
        f"Data {_names(month_runs(provisional))} masih sementara (data sementara): laporan terlambat masih bisa "
        "menambah angka." if provisional else f"Data tahun {f.end.year} dapat bertambah oleh laporan terlambat.",
        f"Belum ada laporan dari: {'; '.join(missing)}." if missing
        else "Semua lembaga pelapor sudah mengirim laporan untuk setiap bulan periode ini.",
        "Kasus dihitung dari register lembaga; korban yang dilaporkan dua lembaga dihitung sekali "
        "(catatan UPTD PPA diutamakan).",
        "Satu kasus dapat memiliki beberapa korban; " + MULTI_FORM_SENTENCE[0].lower() + MULTI_FORM_SENTENCE[1:],
    ]
    recap = recap_caveat(tables["rekap"])
    if recap:
        caveats.append(recap)
    caveats.append(sentences.NOT_PREVALENCE)
    return Briefing(
        filters=f, period=period, previous_period=previous_period,
        headline=headline_sentence(f, cases, tppo, figures["kasus_lalu"], previous_period),
        key_points=key_points, caveats=tuple(caveats),
        footer=tuple(sentences.footer_lines(facts, f, today)), figures=figures, tables=tables,
        prepared_on=today or dt.date.today(), demo=demo,
    )


def latest_month(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The latest month with register data, or None for an empty database."""
    facts = queries.database_facts(con)
    value = facts["last_month"].iloc[0] if not facts.empty else None
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
