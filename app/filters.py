"""The shared sidebar filters, mirrored in the URL (dari, sampai, kecamatan, jenis, lembaga, ganda)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import streamlit as st

from report import format as fmt
from report.queries import Filters, add_months, first_of_month
from etl import vocab

PARAM_FROM, PARAM_TO = "dari", "sampai"
PARAM_DISTRICT, PARAM_FORM, PARAM_AGENCY, PARAM_DUPLICATES = "kecamatan", "jenis", "lembaga", "ganda"

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# Streamlit's own placeholder of an empty choice is English ("Choose an option", "Choose options")
PLACEHOLDER_ONE = "Pilih salah satu"
PLACEHOLDER_MANY = "Pilih satu atau lebih"


def select_one(container, label: str, options, **kwargs):
    """``container.selectbox`` with an Indonesian placeholder: every choice of one option goes through here."""
    return container.selectbox(label, options, placeholder=PLACEHOLDER_ONE, **kwargs)


def select_many(container, label: str, options, **kwargs):
    """``container.multiselect`` with an Indonesian placeholder: every choice of several options goes through here."""
    return container.multiselect(label, options, placeholder=PLACEHOLDER_MANY, **kwargs)


def parse_month(text: str | None) -> dt.date | None:
    """'2024-03' -> 1 March 2024; anything else -> None."""
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month_param(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def month_options(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from first to last, inclusive."""
    months, current = [], first_of_month(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def default_period(last: dt.date, complete: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """January to the last month every expected agency has reported (``complete``), else to the latest month."""
    end = first_of_month(min(complete, last) if complete else last)
    return dt.date(end.year, 1, 1), end


def filters_from_params(params: dict[str, str], first: dt.date, last: dt.date,
                        complete: dt.date | None = None) -> Filters:
    """Filters described by URL parameters, clamped to the months with data; unknown codes are ignored."""
    start, end = default_period(last, complete)
    start = parse_month(params.get(PARAM_FROM)) or start
    end = parse_month(params.get(PARAM_TO)) or end
    start = min(max(start, first_of_month(first)), first_of_month(last))
    end = min(max(end, start), first_of_month(last))
    district = params.get(PARAM_DISTRICT)
    form = params.get(PARAM_FORM)
    agency = params.get(PARAM_AGENCY)
    return Filters(
        start=start, end=end,
        district_code=district if district in {d.code for d in vocab.districts()} else None,
        violence_type=form if form in {v.code for v in vocab.violence_types()} else None,
        agency=agency if agency in set(vocab.agency_codes()) else None,
        include_duplicates=str(params.get(PARAM_DUPLICATES, "")).lower() in {"1", "ya", "true"},
    )


def params_from_filters(f: Filters) -> dict[str, str]:
    """The URL parameters that reproduce a Filters."""
    params = {PARAM_FROM: month_param(f.start), PARAM_TO: month_param(f.end)}
    for name, value in ((PARAM_DISTRICT, f.district_code), (PARAM_FORM, f.violence_type),
                        (PARAM_AGENCY, f.agency)):
        if value:
            params[name] = value
    if f.include_duplicates:
        params[PARAM_DUPLICATES] = "ya"
    return params


def _from_session(months: list[dt.date]) -> Filters | None:
    # Once the widgets exist their values win over the URL, so defaults never change under a keyed widget.
    period = st.session_state.get("filter_from"), st.session_state.get("filter_to")
    if period[0] not in months or period[1] not in months:
        return None
    period = sorted(period)
    return Filters(start=period[0], end=period[1], district_code=st.session_state.get("filter_district"),
                   violence_type=st.session_state.get("filter_form"), agency=st.session_state.get("filter_agency"),
                   include_duplicates=bool(st.session_state.get("filter_duplicates")))


def month_range(container, label: str, months: list[dt.date], value: tuple[dt.date, dt.date],
                key: str | None = None) -> tuple[dt.date, dt.date]:
    """A period as two month choices side by side ("Dari", "Sampai"; newest month first), in either order.

    Two lists instead of one slider: a slider over every month since the data began put the chosen months of the
    latest year in its last tenth, their labels on top of each other. ``key``: keys ``{key}_from``/``{key}_to``;
    without one the choices are redrawn from ``value`` on every run."""
    newest_first = months[::-1]
    container.markdown(f"**{label}**")
    left, right = container.columns(2)
    start = select_one(left, "Dari", newest_first, index=newest_first.index(value[0]), format_func=fmt.month_label,
                       key=f"{key}_from" if key else None)
    end = select_one(right, "Sampai", newest_first, index=newest_first.index(value[1]),
                     format_func=fmt.month_label, key=f"{key}_to" if key else None)
    start, end = sorted((start, end))
    container.markdown(f":gray[Dipilih: {fmt.period_label(start, end)}]")
    return start, end


def sidebar_filters(first: dt.date, last: dt.date, complete: dt.date | None = None,
                    period_only: bool = False) -> Filters:
    """Draw the filters in the sidebar (starting from the URL), write the choice back to the URL, return it.

    Without a period in the URL the default ends at ``complete``, the last month every expected agency reported.
    """
    months = month_options(first, last)
    initial = _from_session(months) or filters_from_params(
        {k: st.query_params.get(k) for k in st.query_params}, first, last, complete)
    districts = {d.code: d.name for d in vocab.districts()}
    forms = vocab.violence_labels()
    agencies = {a.code: a.name for a in vocab.agencies()}
    side = st.sidebar
    side.header("Filter")
    start, end = month_range(side, "Periode (bulan laporan)", months, (initial.start, initial.end), "filter")
    if period_only:  # a page that covers the whole region (Bahan Paparan) shows no filter it would ignore
        chosen = Filters(start=start, end=end)
        for name, value in ((PARAM_FROM, month_param(start)), (PARAM_TO, month_param(end))):
            if st.query_params.get(name) != value:
                st.query_params[name] = value
        return chosen
    district = select_one(
        side, "Kecamatan", [None, *districts], index=[None, *districts].index(initial.district_code),
        format_func=lambda c: "Semua kecamatan" if c is None else districts[c], key="filter_district",
    )
    form = select_one(
        side, "Bentuk kekerasan", [None, *forms], index=[None, *forms].index(initial.violence_type),
        format_func=lambda c: "Semua bentuk" if c is None else forms[c], key="filter_form",
    )
    agency = select_one(
        side, "Lembaga pelapor", [None, *agencies], index=[None, *agencies].index(initial.agency),
        format_func=lambda c: "Semua lembaga" if c is None else agencies[c], key="filter_agency",
    )
    duplicates = side.toggle(
        "Hitung juga laporan ganda", value=initial.include_duplicates, key="filter_duplicates",
        help="Korban yang dilaporkan oleh dua lembaga dihitung sekali (catatan UPTD PPA diutamakan). "
             "Aktifkan untuk menghitung setiap laporan.",
    )
    chosen = Filters(start=start, end=end, district_code=district, violence_type=form, agency=agency,
                     include_duplicates=duplicates)
    wanted = params_from_filters(chosen)
    for name in (PARAM_FROM, PARAM_TO, PARAM_DISTRICT, PARAM_FORM, PARAM_AGENCY, PARAM_DUPLICATES):
        if name in wanted and st.query_params.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in st.query_params:
            del st.query_params[name]
    return chosen


# The comparison period of Tren and Perencanaan (issue 18): banding_dari, banding_sampai; by default the same months
# a year earlier, and then absent from the URL so it follows the main period.
PARAM_BASELINE_FROM, PARAM_BASELINE_TO = "banding_dari", "banding_sampai"


def baseline_from_params(params: dict[str, str], f: Filters, first: dt.date, last: dt.date) -> Filters:
    """The comparison period the URL asks for (either order), clamped to the data and the default; same filters."""
    default = f.previous_year()
    low, high = min(first_of_month(first), default.start), max(first_of_month(last), default.end)
    start = parse_month(params.get(PARAM_BASELINE_FROM)) or default.start
    end = parse_month(params.get(PARAM_BASELINE_TO)) or default.end
    start, end = sorted((min(max(start, low), high), min(max(end, low), high)))
    return replace(f, start=start, end=end)


def sidebar_baseline(f: Filters, first: dt.date, last: dt.date) -> Filters:
    """Draw the comparison period under the filters (starting from the URL), keep the URL in step, return it."""
    default = f.previous_year()
    chosen = baseline_from_params({k: st.query_params.get(k) for k in st.query_params}, f, first, last)
    months = month_options(min(first_of_month(first), default.start), max(first_of_month(last), default.end))
    # Unkeyed on purpose: the choices are redrawn from the URL each run, so the default follows the main period.
    start, end = month_range(st.sidebar, "Periode pembanding", months, (chosen.start, chosen.end))
    st.sidebar.markdown(":gray[Bawaan: bulan yang sama setahun sebelumnya.]")
    chosen = replace(f, start=start, end=end)
    wanted = {} if (start, end) == (default.start, default.end) else {
        PARAM_BASELINE_FROM: month_param(start), PARAM_BASELINE_TO: month_param(end)}
    for name in (PARAM_BASELINE_FROM, PARAM_BASELINE_TO):
        if name in wanted and st.query_params.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in st.query_params:
            del st.query_params[name]
    return chosen
