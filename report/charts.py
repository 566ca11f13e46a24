"""Chart builders: pure functions from a query's DataFrame to a Plotly figure, in Bahasa Indonesia, one palette.

Every title says what it counts (kasus, korban, or korban per bentuk) and every subtitle gives source and period.
An empty selection gives a figure with a sentence instead of an empty axis.
"""

from __future__ import annotations

import base64
import copy
import json
import numbers
import pkgutil
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from _plotly_utils.basevalidators import is_homogeneous_array, to_scalar_or_list
from _plotly_utils.utils import convert_to_base64, is_skipped_key, to_typed_array_spec
from plotly.colors import sample_colorscale

from report import format as fmt
from etl import vocab

# Okabe–Ito, the colour-blind-safe qualitative palette; forms take colours in their vocabulary order.
OKABE_ITO = ("#E69F00", "#56B4E9", "#D55E00", "#009E73", "#0072B2", "#CC79A7", "#999999", "#F0E442", "#000000")
TOTAL_COLOUR = "#1F3B57"        # kasus / korban totals
PREVIOUS_COLOUR = "#A7B4C2"     # the same period last year
RECAP_COLOUR = "#8C6D31"        # recap-only series, deliberately unlike any form colour
SEX_COLOURS = {"P": "#882255", "L": "#44AA99"}
SEX_LABELS = {"P": "Perempuan", "L": "Laki-laki"}
SEQUENTIAL = "Blues"
STATUS_COLOURS = {"diterima": "#009E73", "diganti": "#E69F00", "belum ada": "#D9D9D9"}

RECAP_SOURCE = "rekap bulanan lembaga yang tidak mengirim register"
MULTI_FORM_NOTE = "satu korban dapat mengalami lebih dari satu bentuk"
EMPTY_MESSAGE = "Tidak ada data untuk pilihan ini. Coba perluas periode atau hapus filter."
UNITS = {"kasus": "kasus", "korban": "korban"}
# Passed to st.plotly_chart: no Plotly logo, Indonesian-free toolbar trimmed to what people use.
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}

TEMPLATE_TRACES = ("bar", "scatter", "heatmap")


def _template_json() -> dict:
    """plotly_white with only the trace types these charts draw, as plain dicts: the full template carries defaults
    for 24 trace types and copying them costs ~0.07 s per figure (a page draws 2–9), for no visible difference.

    Read from plotly's own template file, keys sorted as a validated ``go.layout.Template`` writes them: building
    that object (``pio.templates``) took 0.1–0.2 s of every process's first chart (tests/test_charts.py: equal)."""
    raw = json.loads(pkgutil.get_data("plotly", "package_data/templates/plotly_white.json"))
    return json.loads(json.dumps({"data": {kind: raw["data"][kind] for kind in TEMPLATE_TRACES},
                                  "layout": raw["layout"]}, sort_keys=True))


_TEMPLATE_JSON = _template_json()
# the sequential scale written out, as Plotly's validation writes a named scale into a trace
_BLUES = [list(step) for step in go.Heatmap(colorscale=SEQUENTIAL).colorscale]

TABLE_HEADERS = {
    "agency": "Lembaga", "primary_agency": "Lembaga utama (UPTD PPA diutamakan)", "pairs": "Pasangan ganda",
    "reason": "Alasan", "rows": "Baris", "example_message": "Contoh pesan", "files": "File", "kept": "Baris dipakai?",
    "started_at": "Waktu muat", "file_name": "Nama file", "outcome": "Hasil", "rows_loaded": "Baris dimuat",
    "rows_rejected": "Baris ditolak", "message": "Pesan", "district": "Kecamatan", "subdistrict": "Kelurahan",
    "kasus": "Kasus", "korban": "Korban", "population": "Penduduk", "korban_per_10rb": "Korban per 10.000",
}


def form_colours() -> dict[str, str]:
    """Form code -> colour, the same in every chart."""
    return {v.code: OKABE_ITO[i % len(OKABE_ITO)] for i, v in enumerate(vocab.violence_types())}


def default_source() -> str:
    """The source line of staff charts, from the region file (vocab.region)."""
    return vocab.region().source_line


def public_source() -> str:
    """The source line of public charts: the region's office, protected figures."""
    return f"{vocab.region().office_short}, angka terlindungi"


# Plotly never wraps a subtitle: a line wider than the chart is cut at its right edge. A half-width chart (two
# columns on a 1280-pixel screen, or the narrower of a 3:2 pair) shows about 55 characters of 12-pixel text.
SUBTITLE_LINE_CHARACTERS = 55


def _subtitle(period: str, source: str | None, note: str | None = None,
              width: int | None = SUBTITLE_LINE_CHARACTERS) -> str:
    lines = [f"Periode {period}", f"Sumber: {source or default_source()}"]
    lines = [note, *lines] if note else lines
    return "<br>".join(_wrapped(line, width) if width else line for line in lines)


def _wrapped(text: str, width: int = SUBTITLE_LINE_CHARACTERS) -> str:
    """A subtitle line (or lines, split by <br>) broken so that no line is wider than ``width`` characters: after the
    last '; ' that fits, else after the last ', ', else at the last space (a word longer than a line is cut)."""
    out = []
    for line in text.split("<br>"):
        while len(line) > width:
            cut = next((line.rfind(mark, 0, width) + len(mark) for mark in ("; ", ", ", " ")
                        if line.rfind(mark, 0, width) > 0), width)
            out.append(line[:cut].rstrip())
            line = line[cut:]
        out.append(line)
    return "<br>".join(out)


def _top_margin(subtitle: str) -> int:
    """Room above the plot for the title and every subtitle line, so the last line never touches the plot."""
    return 70 + 20 * (subtitle.count("<br>") + 1)


def _frame(data: list[dict], layout: dict, title: str, period: str, source: str | None = None,
           note: str | None = None, height: int = 380, extra_top: int = 0) -> go.Figure:
    """Every chart's figure: its traces and layout (plain dicts) with title, subtitle, template, margins and fonts,
    and whole-number ticks for small counts; ``extra_top`` pixels more above the plot (for panel titles).

    Builders write traces and layout as the plain dicts Plotly's validation would make of them, and the figure is
    made without validation (``_validate=False``): validating them took most of a page rerun (Plotly's trace
    constructors, update_layout/update_xaxes and the default template copied into every figure: 10–25 ms a
    figure, 5–10 figures a page). tests/test_charts.py checks that validating every figure again changes nothing.
    st.plotly_chart takes the Figure as it is (a dict would be validated again)."""
    subtitle = _subtitle(period, source, note)
    # the lines a wrap adds are added to the figure's height: the plot keeps the room its builder gave it
    height += _top_margin(subtitle) - _top_margin(_subtitle(period, source, note, width=None))
    _merge(layout, {
        "title": {"text": title, "subtitle": {"text": subtitle, "font": {"size": 12}},
                  # pinned to the figure's top-left corner (not the plot area), the margin below leaves room
                  "x": 0.01, "xref": "container", "xanchor": "left",
                  "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 14}},
        "separators": ",.",  # decimal comma, thousands dot
        "height": height, "margin": {"l": 10, "r": 10, "t": _top_margin(subtitle) + extra_top, "b": 10},
        "font": {"family": "Source Sans Pro, Arial, sans-serif", "size": 13},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": -0.3, "x": 0},
        "hoverlabel": {"namelength": -1},
    })
    layout["template"] = _TEMPLATE_JSON  # instead of Plotly's default (go.Figure copies it into the figure)
    _whole_number_ticks(data, layout)
    return Figure({"data": data, "layout": layout}, _validate=False)


# Values that are never a homogeneous array (Plotly's test for what it sends as a typed array) nor change when copied.
_PLAIN = (str, int, float, bool, type(None))


def _sent_copy(value):
    """``value`` as ``deepcopy`` followed by Plotly's ``convert_to_base64`` makes it, in one walk: new dicts and lists,
    numpy/pandas values under a dict key (but one of Plotly's skipped keys) as typed-array specs. Plain values are
    shared (immutable); anything else is copied and converted by Plotly's own functions."""
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(item) in _PLAIN:
                out[key] = item
            elif is_skipped_key(key):
                out[key] = copy.deepcopy(item)
            elif type(item) is not dict and type(item) is not list and is_homogeneous_array(item):
                out[key] = _typed_array(item)
            else:
                out[key] = _sent_copy(item)
        return out
    if kind is list:
        return [item if type(item) in _PLAIN else _sent_copy(item) for item in value]
    if kind in _PLAIN:
        return value
    value = copy.deepcopy(value)
    convert_to_base64(value)
    return value


# numpy dtypes plotly.js reads as typed arrays (_plotly_utils.utils.plotlyjsShortTypes), and the smallest integer
# type Plotly writes an int64 or uint64 array as
_JS_TYPES = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
             "float32": "f4", "float64": "f8"}
_NARROWER = {"int64": ("int8", "int16", "int32"), "uint64": ("uint8", "uint16", "uint32")}


def _typed_array(value):
    """Plotly's ``to_typed_array_spec`` of a copy of ``value``, for the builders' numeric numpy columns without its
    detour through narwhals (~0.1 ms an array, 10–25 arrays a page); any other value, or an array Plotly would send
    as it is (empty, too wide for int32), through Plotly's own function."""
    if type(value) is np.ndarray and value.dtype.kind in "iuf" and value.size:
        kind = str(value.dtype)
        for narrower in _NARROWER.get(kind, ()):
            bounds = np.iinfo(narrower)
            if value.max() <= bounds.max and value.min() >= bounds.min:
                value, kind = value.astype(narrower), narrower
                break
        if kind in _JS_TYPES:
            spec = {"dtype": _JS_TYPES[kind], "bdata": base64.b64encode(np.ascontiguousarray(value)).decode("ascii")}
            if value.ndim > 1:
                spec["shape"] = str(value.shape)[1:-1]
            return spec
    return to_typed_array_spec(copy.deepcopy(value))


class Figure(go.Figure):
    """A ``go.Figure`` whose ``to_dict`` (what ``st.plotly_chart`` and ``to_json`` call) makes the same dict as
    Plotly's — a deep copy of data and layout, numpy arrays as typed-array specs — in one walk instead of
    ``deepcopy`` and a second walk of ``convert_to_base64``, each asking every value whether it is an array: 1–2 ms a
    figure, most of ``st.plotly_chart``'s work (tests/test_charts.py: the same dict and JSON for every builder).

    Made from ``{"data": [...], "layout": {...}}`` with ``_validate=False`` (what ``_frame`` passes), it does not run
    Plotly's constructor (a trace object per trace, a ``Layout``, subplot axes, every property set one by one and
    deep-copied: ~2 ms a figure, 9 on Tren's panel chart) until something other than ``to_dict`` asks for the figure's
    state (``fig.data``, ``fig.layout``, ``update_layout`` …: the first such access builds it).
    ``to_dict`` then writes the plain dicts in the order Plotly's objects give their keys (``_PlotlyOrder``)."""

    def __init__(self, data=None, layout=None, frames=None, skip_invalid=False, **kwargs):
        lazy = (type(data) is dict and data.keys() <= {"data", "layout"} and layout is None and frames is None
                and not skip_invalid and kwargs == {"_validate": False})
        if not lazy:
            super().__init__(data, layout, frames, skip_invalid, **kwargs)
            return
        object.__setattr__(self, "_spec", {"data": data.get("data") or [], "layout": data.get("layout") or {}})

    def __getattr__(self, name):
        # only reached for an attribute the instance lacks: Plotly's state of a figure not built yet
        spec = self.__dict__.pop("_spec", None)
        if spec is None:
            raise AttributeError(name)
        go.Figure.__init__(self, spec, _validate=False)
        return getattr(self, name)

    def to_dict(self):
        spec = self.__dict__.get("_spec")
        if spec is not None:
            return _PLOTLY_ORDER.sent(spec)
        result = {"data": _sent_copy(self._data), "layout": _sent_copy(self._layout)}
        if self._frame_objs:
            result["frames"] = _sent_copy([frame._props for frame in self._frame_objs])
        return result


def _shape(value):
    """What decides the keys' order in Plotly's dict of a figure: every dict's keys in the order given, lists of
    dicts or lists walked, and each other value's type (None is dropped from a trace or the layout, arrays may be
    written otherwise); a list of plain values by the types it holds, not its length (a chart of 5 or 6 bars)."""
    if value is _TEMPLATE_JSON:  # every figure's template, the same object: its hundreds of keys walked once
        return _TEMPLATE_SHAPE
    kind = type(value)
    if kind is dict:
        return tuple((key, _shape(item)) for key, item in value.items())
    if kind is list or kind is tuple:
        types = frozenset(map(type, value))
        if types.isdisjoint((dict, list, tuple)):
            return (kind, types)
        return (kind, tuple(_shape(item) for item in value))
    return kind


_TEMPLATE_SHAPE = ("template", id(_TEMPLATE_JSON))


class _PlotlyOrder:
    """The dict Plotly's ``to_dict`` makes of a figure built from plain dicts, without building it: Plotly sets each
    trace's and the layout's known properties in its generated classes' order (``type`` last, a property given as
    None left out, subplot axes after the rest) and writes subplot axes through their own classes. Which keys come
    out in which order depends only on the figure's shape (``_shape``); the first figure of a shape is built by
    Plotly once, and its dict, compared with the one rebuilt from the order it shows, gives the order for every
    later figure of that shape. A shape whose values Plotly changes (the comparison fails) is always built."""

    MAX_SHAPES = 2048

    def __init__(self):
        self._orders = {}

    def sent(self, spec: dict) -> dict:
        shape = _shape(spec)
        order = self._orders.get(shape)
        if order is None:
            expected = go.Figure.to_dict(go.Figure(spec, _validate=False))
            order = _order_of(expected)
            if repr(_in_order(spec, order)) != repr(expected):
                order = False
            if len(self._orders) >= self.MAX_SHAPES:  # a bound, far above the few dozen shapes the pages draw
                self._orders.clear()
            self._orders[shape] = order
            if order is False:
                return expected
        if order is False:
            return go.Figure.to_dict(go.Figure(spec, _validate=False))
        return _in_order(spec, order)


def _order_of(value):
    """The keys of a dict Plotly made, nested: {key: order of its value}; a list: the order of each item; else None."""
    if type(value) is dict:
        return {key: _order_of(item) for key, item in value.items()}
    if type(value) is list and any(type(item) in (dict, list) for item in value):
        return [_order_of(item) for item in value]
    return None


def _in_order(value, order):
    """``value`` (a dict or list) copied as Plotly sends it (``_sent_copy``) with its dicts' keys in ``order``'s
    order; a value under one of Plotly's skipped keys, or whose order is not nested, as ``_sent_copy`` copies it."""
    if type(order) is dict:
        out = {}
        for key, item_order in order.items():
            item = value[key]
            if type(item) in _PLAIN:
                out[key] = item
            elif item_order is None or is_skipped_key(key) or (type(item) is not dict and type(item) is not list):
                out[key] = _sent_copy({key: item})[key]
            else:
                out[key] = _in_order(item, item_order)
        return out
    return [item if type(item) in _PLAIN else _sent_copy(item) if item_order is None or type(item) not in (dict, list)
            else _in_order(item, item_order) for item, item_order in zip(value, order)]


_PLOTLY_ORDER = _PlotlyOrder()


def _merge(target: dict, updates: dict) -> None:
    """Nested dicts merged key by key, as Plotly's update_layout merges them."""
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _array(values):
    """A column as a trace keeps it after Plotly's validation: a pandas Series or Index as a numpy array (its
    positions, not its index labels), a list or tuple as a list of plain Python values, anything else as given."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy()
    if isinstance(values, (list, tuple)):
        return to_scalar_or_list(values)
    return values


def _trace(kind: str, **properties) -> dict:
    """One trace as a plain dict: ``kind`` ('bar', 'scatter', 'heatmap') and its properties, pandas columns made
    arrays; nested properties (marker, line, …) are given as dicts."""
    return {"type": kind, **{key: _array(value) for key, value in properties.items() if value is not None}}


def _axes(layout: dict, letter: str, **properties) -> None:
    """Set properties on every ``letter`` ('x' or 'y') axis of the layout, as update_xaxes/update_yaxes do: the
    first axis always, and xaxis2, xaxis3 … where the layout has them."""
    names = {f"{letter}axis"} | {name for name in layout if re.fullmatch(f"{letter}axis[0-9]+", name)}
    for name in sorted(names):
        _merge(layout.setdefault(name, {}), copy.deepcopy(properties))


def _value_axis_numbers(data: list[dict]) -> dict[str, list[float]]:
    """'x'/'y' -> the numbers plotted along that axis by bars, lines and markers (heatmaps and maps excluded).

    A bar's values lie along its orientation; a line or marker trace puts numbers on whichever axis holds them
    (months and names are text), so a dot plot of counts (numbers along x) is found as well as a time series."""
    found: dict[str, list[float]] = {"x": [], "y": []}
    for trace in data:
        if trace["type"] == "bar":
            keys = ("x",) if trace.get("orientation") == "h" else ("y",)
        elif trace["type"] == "scatter":
            keys = ("x", "y")
        else:
            continue
        for key in keys:
            values = trace.get(key)
            if values is not None:
                found[key] += [abs(float(v)) for v in values
                               if isinstance(v, numbers.Real) and not isinstance(v, bool) and not pd.isna(v)]
    return found


def _whole_number_ticks(data: list[dict], layout: dict) -> None:
    """Counts get whole-number ticks: an axis of whole numbers all below 6 ticks every 1 (never 0,2 / 0,4); above
    that Plotly's own steps (1, 2, 5, 10 …) are whole already. Every x (or y) axis of the layout."""
    for key, values in _value_axis_numbers(data).items():
        if values and all(v == int(v) for v in values) and max(values) < 6:
            _axes(layout, key, tick0=0, dtick=1, rangemode="tozero")


def empty_figure(title: str, period: str, source: str | None = None, message: str = EMPTY_MESSAGE) -> go.Figure:
    """A figure that states there is nothing to show, without axes."""
    layout = {"annotations": [{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                               "showarrow": False, "font": {"size": 15, "color": "#555"}}],
              "xaxis": {"visible": False}, "yaxis": {"visible": False}}
    return _frame([], layout, title, period, source, height=220)


def is_empty(fig: go.Figure) -> bool:
    """Whether a figure is the 'no data' sentence."""
    return not fig.data and any(a.text == EMPTY_MESSAGE for a in fig.layout.annotations)


def _month_labels(months: pd.Series) -> list[str]:
    return [fmt.month_label(pd.Timestamp(m).date()) for m in months]


def monthly_figure(df: pd.DataFrame, period: str, measure: str = "kasus", moving_average: bool = False) -> go.Figure:
    """Bars of kasus or korban per month (provisional months hatched), optionally with a 3-month moving average."""
    unit = UNITS[measure]
    title = f"Jumlah {unit} per bulan"
    if df.empty or df[measure].sum() == 0:
        return empty_figure(title, period)
    labels = _month_labels(df["month"])
    provisional = df["provisional"].fillna(False).astype(bool).tolist()
    # value labels while they stay legible (up to two years of months); beyond that the axis carries the values
    values_shown = len(labels) <= 24
    data = [_trace(
        "bar", x=labels, y=df[measure], name=unit.capitalize(),
        marker={"color": TOTAL_COLOUR, "pattern": {"shape": ["/" if p else "" for p in provisional]},
                "opacity": [0.55 if p else 1.0 for p in provisional]},
        text=[fmt.number(int(v)) for v in df[measure]] if values_shown else None,
        textposition="outside" if values_shown else None, cliponaxis=False,
        customdata=["data sementara" if p else "" for p in provisional],
        hovertemplate=f"%{{x}}<br>%{{y:,}} {unit} %{{customdata}}<extra></extra>",
    )]
    if moving_average:
        data.append(_trace(
            "scatter", x=labels, y=df[f"{measure}_rata3"], name="Rata-rata 3 bulan", mode="lines",
            line={"color": OKABE_ITO[0], "width": 3},
            hovertemplate=f"%{{x}}<br>rata-rata 3 bulan: %{{y:,.1f}} {unit}<extra></extra>",
        ))
    note = "arsir = data sementara (laporan terlambat masih bisa masuk)" if any(provisional) else None
    layout = {"yaxis": {"title": {"text": f"Jumlah {unit}"}, "rangemode": "tozero"}, "xaxis": {"type": "category"}}
    return _frame(data, layout, title, period, note=note)


def forms_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Horizontal bars of korban per form, each form in its own colour."""
    title = "Jumlah korban menurut bentuk kekerasan"
    if df.empty or df["victims"].sum() == 0:
        return empty_figure(title, period)
    ordered = df.sort_values("victims")
    colours = form_colours()
    data = [_trace(
        "bar", x=ordered["victims"], y=ordered["label"], orientation="h",
        text=ordered["victims"].to_numpy(dtype=float),  # Plotly's validation makes text numbers floats
        marker={"color": [colours.get(c, "#999999") for c in ordered["violence_type"]]},
        texttemplate="%{x:,}", textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:,} korban<extra></extra>",
    )]
    layout = {"xaxis": {"title": {"text": "Jumlah korban"}, "rangemode": "tozero"}}
    return _frame(data, layout, title, period, note=MULTI_FORM_NOTE)


def form_months_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Small multiples, one panel per form with victims: korban per month (a victim counts once per form).

    Seven lines on one axis cross and hide each other; panels on one shared scale keep each form's trend readable
    and still compare their sizes.
    """
    title = "Jumlah korban per bulan menurut bentuk kekerasan"
    if df.empty or df["victims"].sum() == 0:
        return empty_figure(title, period)
    colours = form_colours()
    # the rows of each form in the order the forms first appear (what groupby(sort=False) gives), read as plain lists
    # once: grouping and indexing in pandas was ~4 ms of a Tren rerun at 1 M for a few dozen rows
    stamps = list(pd.to_datetime(df["month"]))
    victims = df["victims"].to_numpy()
    labels = df["label"].tolist()
    rows_of: dict = {}
    for row, code in enumerate(df["violence_type"].tolist()):
        rows_of.setdefault(code, []).append(row)
    parts = [(code, np.array(rows, dtype=np.intp)) for code, rows in rows_of.items() if victims[rows].sum() > 0]
    columns = min(len(parts), 4)
    rows = -(-len(parts) // columns)
    layout = _panel_grid([labels[part[0]] for _, part in parts], columns)
    month_labels = {stamp: fmt.month_label(stamp.date()) for stamp in set(stamps)}
    data = []
    for i, (code, part) in enumerate(parts):
        label, colour = labels[part[0]], colours.get(code, "#999999")
        data.append(_trace(
            "scatter", x=[month_labels[stamps[row]] for row in part], y=victims[part], name=label, mode="lines",
            line={"color": colour, "width": 2.5}, fill="tozeroy", fillcolor=_translucent(colour),
            showlegend=False, hovertemplate=f"%{{x}}<br>{label}: %{{y:,}} korban<extra></extra>",
            xaxis=f"x{_axis_number(i)}", yaxis=f"y{_axis_number(i)}",
        ))
    # a panel is ~150 px wide: three months on its axis (first, middle, last), the year under the month
    months = sorted(month_labels)
    shown = sorted({0, len(months) // 2, len(months) - 1})
    _axes(layout, "x", tickvals=[month_labels[months[i]] for i in shown],
          ticktext=[f"{fmt.month_short(months[i].month)}<br>{months[i].year}" for i in shown])
    return _frame(data, layout, title, period, note=f"{MULTI_FORM_NOTE}; skala sumbu tegak sama di semua panel",
                  height=170 + 220 * rows, extra_top=30)  # and room for the panel titles under the subtitle


def _panel_grid(titles: list[str], columns: int, gap_x: float = 0.07, gap_y: float = 0.2) -> dict:
    """A layout of small multiples, ``columns`` panels a row, one shared vertical scale, each titled.

    Written as a plain layout because plotly's make_subplots costs ~0.15 s per figure, paid on every rerun.
    """
    rows = -(-len(titles) // columns)
    width = (1 - gap_x * (columns - 1)) / columns
    height = (1 - gap_y * (rows - 1)) / rows if rows > 1 else 1.0
    layout: dict = {"annotations": []}
    for i, title in enumerate(titles):
        row, column = divmod(i, columns)
        left, top = column * (width + gap_x), 1 - row * (height + gap_y)
        bottom, right = max(top - height, 0.0), min(left + width, 1.0)  # float rounding must stay inside [0, 1]
        n = _axis_number(i)
        layout[f"xaxis{n}"] = {"domain": [left, right], "anchor": f"y{n}", "type": "category",
                               "nticks": 4, "tickangle": 0, **({"matches": "x"} if i else {})}
        layout[f"yaxis{n}"] = {"domain": [bottom, top], "anchor": f"x{n}", "rangemode": "tozero",
                               **({"matches": "y", "showticklabels": column == 0} if i else {}),
                               **({"title": {"text": "Korban"}} if column == 0 else {})}
        layout["annotations"].append({"text": title, "x": left + width / 2, "y": top, "xref": "paper",
                                      "yref": "paper", "xanchor": "center", "yanchor": "bottom",
                                      "showarrow": False, "font": {"size": 14}})
    return layout


def _axis_number(panel: int) -> str:
    """Plotly's axis suffix of the n-th panel (from 0): '', '2', '3', …"""
    return str(panel + 1) if panel else ""


def _translucent(colour: str, alpha: float = 0.18) -> str:
    """'#RRGGBB' as an rgba() fill of the same hue."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def year_comparison_figure(df: pd.DataFrame, period: str, measure: str = "kasus",
                           cumulative: bool = False) -> go.Figure:
    """This period against the same months last year, month by month or as a running total."""
    unit = UNITS[measure]
    column = f"{measure}_kumulatif" if cumulative else measure
    title = (f"Jumlah {unit} kumulatif, dibanding tahun lalu" if cumulative
             else f"Jumlah {unit} per bulan, dibanding tahun lalu")
    if df.empty or df[measure].sum() == 0:
        return empty_figure(title, period)
    data = []
    # each year's rows by a mask over plain arrays: a pandas filter and its columns were ~1.5 ms a figure
    year, month_number, values = df["year"].to_numpy(), df["month_number"].to_numpy(), df[column].to_numpy()
    for which, colour, width in (("lalu", PREVIOUS_COLOUR, 2), ("ini", TOTAL_COLOUR, 3)):
        rows = (df["which"] == which).to_numpy()
        years = sorted(set(year[rows].tolist()))
        name = "–".join(str(y) for y in (years[0], years[-1])) if len(years) > 1 else str(years[0])
        x = [fmt.month_short(int(m)) for m in month_number[rows]]
        if cumulative:
            trace = _trace("scatter", x=x, y=values[rows], name=name, mode="lines+markers",
                           line={"color": colour, "width": width},
                           hovertemplate=f"s.d. %{{x}} {name}: %{{y:,}} {unit}<extra></extra>")
        else:  # at most twelve months a year: every bar keeps its value written above it
            trace = _trace("bar", x=x, y=values[rows], name=name, marker={"color": colour},
                           text=[fmt.number(int(v)) for v in values[rows]], textposition="outside",
                           textfont={"size": 11}, cliponaxis=False,
                           hovertemplate=f"%{{x}} {name}: %{{y:,}} {unit}<extra></extra>")
        data.append(trace)
    layout = {"barmode": "group", "yaxis": {"title": {"text": f"Jumlah {unit}"}, "rangemode": "tozero"},
              "xaxis": {"type": "category"}}
    return _frame(data, layout, title, period)


def district_bar_figure(df: pd.DataFrame, period: str, measure: str = "kasus", top: int | None = None) -> go.Figure:
    """Kecamatan ranked by kasus, korban or korban per 10.000 penduduk."""
    if measure == "korban_per_10rb":
        title, unit, text = "Korban per 10.000 penduduk menurut kecamatan", "korban per 10.000 penduduk", "%{x:,.1f}"
    else:
        title, unit, text = f"Jumlah {UNITS[measure]} menurut kecamatan", UNITS[measure], "%{x:,}"
    if top:
        title = f"{top} kecamatan dengan {UNITS.get(measure, 'korban')} terbanyak"
    data = df.dropna(subset=[measure])
    if data.empty or data[measure].sum() == 0:
        return empty_figure(title, period)
    data = data.sort_values(measure, ascending=False)
    if top:
        data = data.head(top)
    data = data.iloc[::-1]
    return _frame(*_hbars(data[measure], data["district"], unit, text=text, axis_title=unit.capitalize()), title,
                  period, height=max(260, 34 * len(data) + 120))


def _hbars(values, labels, unit: str, colour: str = TOTAL_COLOUR, text: str = "%{x:,}",
           axis_title: str | None = None) -> tuple[list[dict], dict]:
    """Horizontal bars with the number written at each bar's end; ``unit`` says what is counted (hover, axis).
    Returns the traces and the layout for _frame."""
    bar = _trace("bar", x=values, y=labels, orientation="h", marker={"color": _array(colour)},
                 texttemplate=text, textposition="outside", cliponaxis=False,
                 hovertemplate=f"%{{y}}: {text} {unit}<extra></extra>")
    return [bar], {"xaxis": {"title": {"text": axis_title or f"Jumlah {unit}"}, "rangemode": "tozero"}}


def _value_text(value: float, measure: str) -> str:
    return fmt.number(value, 1) if measure == "korban_per_10rb" else fmt.number(value)


def _measure_title(measure: str) -> tuple[str, str]:
    if measure == "korban_per_10rb":
        return "Korban per 10.000 penduduk menurut kecamatan", "korban per 10.000 penduduk"
    return f"Jumlah {UNITS[measure]} menurut kecamatan", UNITS[measure]


def _shade(value: float, top: float, lightest: float = 0.1) -> str:
    """The sequential scale's colour for a value out of the largest, ``top``, from ``lightest`` up.

    Clamped: ``0.1 + 0.9 * value / top`` came out at 1.0000000000000002 for the largest value when it was 13 or 21,
    and sample_colorscale raised IndexError: the staff Wilayah page crashed for one kecamatan."""
    return sample_colorscale(SEQUENTIAL, [min(1.0, lightest + 0.9 * value / top)])[0]


def tile_map_figure(df: pd.DataFrame, tiles: pd.DataFrame, period: str, measure: str = "kasus") -> go.Figure:
    """A tile map of the kecamatan (one square each, shaded by the measure) for when no boundary file is set."""
    title, unit = _measure_title(measure)
    data = tiles.merge(df[["district_code", measure]], on="district_code", how="left")
    if data[measure].fillna(0).sum() == 0:
        return empty_figure(title, period)
    top = float(data[measure].max() or 1)
    rows = int(data["row"].max())
    shapes = []
    for col, row, value in zip(data["col"], data["row"], data[measure]):
        colour = _shade(float(value), top) if pd.notna(value) else "#EEEEEE"
        x0, y0 = col, rows - row
        shapes.append({"type": "rect", "x0": x0 + 0.04, "x1": x0 + 0.96, "y0": y0 + 0.04, "y1": y0 + 0.96,
                       "fillcolor": colour, "line": {"color": "white", "width": 2}, "layer": "below"})
    dark = [pd.notna(v) and float(v) / top > 0.5 for v in data[measure]]
    traces = [_trace(
        "scatter", x=data["col"] + 0.5, y=rows - data["row"] + 0.5, mode="text",
        text=[f"<b>{name}</b><br>{_value_text(v, measure) if pd.notna(v) else '–'}"
              for name, v in zip(data["district"], data[measure])],
        textfont={"color": ["white" if d else "#1a1a1a" for d in dark], "size": 13},
        hovertext=[f"{name}: {_value_text(v, measure) if pd.notna(v) else 'tidak ada data'} {unit}"
                   for name, v in zip(data["district"], data[measure])],
        hoverinfo="text", showlegend=False,
    )]
    layout = {"shapes": shapes, "xaxis": {"visible": False, "range": [0, int(data["col"].max()) + 1]},
              "yaxis": {"visible": False, "range": [0, rows + 1], "scaleanchor": "x"}}
    return _frame(traces, layout, title, period, note="peta petak: posisi kira-kira, bukan batas wilayah",
                  height=430)


def _outer_rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def choropleth_figure(df: pd.DataFrame, geojson: dict, period: str, measure: str = "kasus") -> go.Figure:
    """A choropleth of the kecamatan from a boundary GeoJSON keyed by property kode_kecamatan.

    Polygons are drawn as filled shapes on plain axes, so nothing is fetched from the internet (no base map).
    """
    title, unit = _measure_title(measure)
    data = df.dropna(subset=[measure])
    if data.empty or data[measure].sum() == 0:
        return empty_figure(title, period)
    values = dict(zip(data["district_code"], data[measure]))
    names = dict(zip(df["district_code"], df["district"]))
    top = float(max(values.values()) or 1)
    traces = []
    label_x, label_y, label_text, label_dark = [], [], [], []
    for feature in geojson.get("features", []):
        code = str(feature["properties"].get("kode_kecamatan"))
        value = values.get(code)
        name = names.get(code, feature["properties"].get("kecamatan", code))
        colour = _shade(float(value), top) if value is not None else "#EEEEEE"
        hover = f"{name}: {_value_text(value, measure) if value is not None else 'tidak ada data'} {unit}"
        rings = _outer_rings(feature["geometry"])
        for ring in rings:
            traces.append(_trace(
                "scatter", x=[pt[0] for pt in ring], y=[pt[1] for pt in ring], mode="lines", fill="toself",
                fillcolor=colour, line={"color": "white", "width": 1.5}, hoveron="fills", text=hover,
                hoverinfo="text", showlegend=False, name=name,
            ))
        if rings:
            biggest = max(rings, key=len)
            label_x.append(sum(pt[0] for pt in biggest) / len(biggest))
            label_y.append(sum(pt[1] for pt in biggest) / len(biggest))
            label_text.append(f"{name}<br><b>{_value_text(value, measure) if value is not None else '–'}</b>")
            label_dark.append(value is not None and float(value) / top > 0.5)
    traces.append(_trace("scatter", x=label_x, y=label_y, mode="text", text=label_text, hoverinfo="skip",
                         textfont={"size": 11, "color": ["white" if d else "#1a1a1a" for d in label_dark]},
                         showlegend=False))
    layout = {"xaxis": {"visible": False}, "yaxis": {"visible": False, "scaleanchor": "x"}}
    return _frame(traces, layout, title, period, source=f"{default_source()}; batas wilayah: file konfigurasi",
                  height=520)


def subdistrict_figure(df: pd.DataFrame, period: str, top: int = 15) -> go.Figure:
    """The kelurahan with the most korban (kecamatan in the label)."""
    title = f"{top} kelurahan dengan korban terbanyak"
    if df.empty or df["korban"].sum() == 0:
        return empty_figure(title, period)
    data = df.sort_values("korban", ascending=False).head(top).iloc[::-1]
    labels = [f"{s} ({d})" for s, d in zip(data["subdistrict"], data["district"])]
    return _frame(*_hbars(data["korban"], labels, "korban"), title, period, height=max(260, 28 * len(data) + 120))


def form_districts_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Korban per form and kecamatan as a table of shaded cells with the numbers written in."""
    title = "Jumlah korban menurut kecamatan dan bentuk kekerasan"
    if df.empty or df["victims"].sum() == 0:
        return empty_figure(title, period)
    districts = [d.name for d in vocab.districts()]
    forms = [v.label for v in vocab.violence_types() if v.label in set(df["label"])]
    # summed in Python: a few dozen rows, where pandas' pivot_table and reindex took ~6 ms of the page's rerun
    cells: dict[tuple[str, str], int] = {}
    for district, label, victims in zip(df["district"], df["label"], df["victims"]):
        cells[district, label] = cells.get((district, label), 0) + int(victims)
    rows = districts[::-1]
    z = np.array([[cells.get((district, label), 0) for label in forms] for district in rows], dtype="int64")
    heatmap = _trace("heatmap", z=z, x=forms, y=rows, colorscale=_BLUES,
                     texttemplate="%{z:,}", hovertemplate="%{y} · %{x}: %{z:,} korban<extra></extra>",
                     colorbar={"title": {"text": "korban"}})
    return _frame([heatmap], {}, title, period, note=MULTI_FORM_NOTE, height=520)


def pyramid_figure(df: pd.DataFrame, period: str, value: str = "victims", unit: str = "korban",
                   title: str = "Korban menurut umur dan jenis kelamin", note: str | None = None) -> go.Figure:
    """Age band × sex pyramid (perempuan to the right, laki-laki to the left) of the ``value`` column, in ``unit``."""
    known = df[df["sex"].isin(["P", "L"])]
    if known.empty or known[value].sum() == 0:
        return empty_figure(title, period)
    bands = list(dict.fromkeys(df["age_band"]))
    # one row per (age band, sex), read in Python: pandas' filter, set_index and reindex per sex took most of it
    cells = dict(zip(zip(known["age_band"], known["sex"]), known[value].tolist()))
    data = []
    for sex in ("L", "P"):
        column = np.array([cells.get((band, sex), 0) for band in bands], dtype="int64")
        sign = -1 if sex == "L" else 1
        counts = sign * column
        # each bar's count at its outer end: a pyramid is read bar by bar, not against the axis
        data.append(_trace(
            "bar", y=bands, x=counts, name=SEX_LABELS[sex], orientation="h",
            marker={"color": SEX_COLOURS[sex]}, customdata=column,
            hovertemplate=f"{SEX_LABELS[sex]}, umur %{{y}}: %{{customdata:,}} {unit}<extra></extra>",
            text=[fmt.number(abs(int(v))) if v else "" for v in counts], textposition="outside", cliponaxis=False,
        ))
    unknown_sex = int(df.loc[~df["sex"].isin(["P", "L"]), value].sum())
    if unknown_sex:
        unknown_note = f"{fmt.number(unknown_sex)} {unit} tanpa jenis kelamin tidak digambar"
        note = f"{note}; {unknown_note}" if note else unknown_note
    top = int(known[value].max())
    ticks = [v for v in range(-top, top + 1) if top <= 10 or v % max(1, top // 4) == 0]
    layout = {"barmode": "relative", "bargap": 0.1,
              "xaxis": {"range": [-top * 1.15, top * 1.15],  # room for the labels at both outer ends
                        "title": {"text": f"Jumlah {unit} (kiri laki-laki, kanan perempuan)"},
                        "tickvals": ticks, "ticktext": [fmt.number(abs(v)) for v in ticks]},
              "yaxis": {"title": {"text": "Umur (tahun)"}, "type": "category"}}
    return _frame(data, layout, title, period, note=note, height=420)


def category_figure(df: pd.DataFrame, label_column: str, title: str, period: str,
                    colour: str = TOTAL_COLOUR, value: str = "victims", unit: str = "korban",
                    note: str | None = None) -> go.Figure:
    """Horizontal bars of ``value`` (korban unless said) per category (group, place, relationship), in order."""
    if df.empty or df[value].sum() == 0:
        return empty_figure(title, period)
    data = df.iloc[::-1]
    return _frame(*_hbars(data[value], data[label_column], unit, colour), title, period, note=note,
                  height=max(240, 32 * len(data) + 120))


def recap_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Korban per form from recap-only agencies, one line per agency, never mixed with register totals."""
    title = "Rekap bulanan lembaga tanpa register: korban per bentuk (tidak termasuk angka kasus/korban di atas)"
    if df.empty or df["victims"].sum() == 0:
        return empty_figure(title, period, source=RECAP_SOURCE,
                            message="Tidak ada rekap bulanan tanpa register untuk pilihan ini.")
    dashes = ("dash", "dot", "dashdot", "longdash")
    data = []
    for i, (agency, part) in enumerate(df.groupby("agency", sort=True)):
        name = f"{vocab.agency_name(agency)} (rekap)"
        data.append(_trace(
            "scatter", x=_month_labels(part["month"]), y=part["victims"], name=name, mode="lines+markers",
            line={"color": RECAP_COLOUR, "dash": dashes[i % len(dashes)], "width": 2},
            hovertemplate=f"%{{x}}<br>{name}: %{{y:,}} korban per bentuk<extra></extra>",
        ))
    layout = {"yaxis": {"title": {"text": "Korban per bentuk (rekap)"}, "rangemode": "tozero"},
              "xaxis": {"type": "category"}}
    return _frame(data, layout, title, period, source=RECAP_SOURCE,
                  note=f"rekap tidak dapat dicek ganda terhadap register; {MULTI_FORM_NOTE}")


def submission_matrix_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Agency × month grid: file received, replaced by a correction, or missing."""
    title = "Laporan lembaga per bulan: diterima, diganti (koreksi) atau belum ada"
    if df.empty:
        return empty_figure(title, period)
    statuses = list(STATUS_COLOURS)
    months = list(dict.fromkeys(df["month"]))
    agencies = list(dict.fromkeys(df["agency"]))[::-1]
    grid = df.assign(code=df["status"].map(statuses.index)).pivot(index="agency", columns="month", values="code")
    grid = grid.reindex(index=agencies, columns=months)
    text = df.pivot(index="agency", columns="month", values="status").reindex(index=agencies, columns=months)
    n = len(statuses)
    scale = []
    for i, status in enumerate(statuses):
        scale += [[i / n, STATUS_COLOURS[status]], [(i + 1) / n, STATUS_COLOURS[status]]]
    data = [_trace(
        "heatmap", z=grid.values, x=_month_labels(pd.Series(months)), y=[vocab.agency_name(a) for a in agencies],
        zmin=-0.5, zmax=n - 0.5,
        colorscale=scale, showscale=False, text=text.values, xgap=2, ygap=2,
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
    )]
    for status in statuses:  # a legend for the three colours
        data.append(_trace("scatter", x=[None], y=[None], mode="markers", name=status,
                           marker={"size": 12, "symbol": "square", "color": STATUS_COLOURS[status]}))
    layout = {"xaxis": {"type": "category"}, "plot_bgcolor": "white"}
    if len(months) <= 12:  # upright, the year only where it starts: slanted labels were cut off under the grid
        stamps = [pd.Timestamp(m) for m in months]
        layout["xaxis"].update(tickangle=0, tickvals=_month_labels(pd.Series(months)),
                               ticktext=[fmt.month_short(m.month) + (f" {m.year}" if i == 0 or m.month == 1 else "")
                                         for i, m in enumerate(stamps)])
    return _frame(data, layout, title, period, source="catatan pemuatan file",
                  height=max(260, 40 * len(agencies) + 160))


def reasons_figure(df: pd.DataFrame, period: str, title: str = "Baris ditolak menurut alasan") -> go.Figure:
    """Rows per reason code (summed over agencies), most first."""
    if df.empty or df["rows"].sum() == 0:
        return empty_figure(title, period, source="catatan pemuatan file",
                            message="Tidak ada baris yang ditolak untuk pilihan ini.")
    data = df.groupby("reason", as_index=False)["rows"].sum().sort_values("rows")
    return _frame(*_hbars(data["rows"], data["reason"].str.replace("_", " "), "baris", OKABE_ITO[2]), title, period,
                  source="catatan pemuatan file", height=max(240, 32 * len(data) + 120))


OUTCOME_LABELS = {"loaded": "dimuat", "unchanged": "tidak berubah", "replaced": "mengganti file lama",
                  "failed": "gagal", "undone": "dibatalkan"}


def display_table(df: pd.DataFrame) -> pd.DataFrame:
    """A query result with Indonesian headers and values, without internal code columns, for st.dataframe."""
    keep = [c for c in df.columns if c in TABLE_HEADERS]
    table = df[keep].copy()
    if "outcome" in table:
        table["outcome"] = table["outcome"].map(lambda o: OUTCOME_LABELS.get(o, o))
    if "reason" in table:
        table["reason"] = table["reason"].str.replace("_", " ")
    for column in ("agency", "primary_agency"):  # people know agencies by name, not by code
        if column in table:
            table[column] = table[column].map(vocab.agency_name)
    for column in ("message", "example_message"):
        if column in table:
            table[column] = table[column].fillna("")
    if "started_at" in table:  # to the minute, as people say it (not 2026-12-06 09:05:47.568816)
        table["started_at"] = pd.to_datetime(table["started_at"]).dt.strftime("%d-%m-%Y %H:%M")
    return table.rename(columns=TABLE_HEADERS)


# --------------------------------------------------------------------------------------------------------------
# Public (disclosure-controlled) charts. Their frames come from app/public_view.py: ``value`` is NA for a
# suppressed cell and ``label`` is what people see ("12", "0", "<5", "<10", "x"). A suppressed cell is drawn as a
# grey range marker spanning 1 to threshold-1 (a whisker with a hollow diamond in its middle) with its label: never
# as a bar, so it cannot be read as a count at the threshold, at its true height, or as 0.

SUPPRESSED_COLOUR = "#BDBDBD"
SUPPRESSED_LINE = "#8C8C8C"
LIGHT_SEQUENTIAL = [[0, "#F7FBFF"], [1, "#6BAED6"]]  # light enough for dark numbers written in every cell
SUPPRESSED_NOTE = "garis abu-abu = disamarkan (antara 1 dan ambang), lihat label"
SUPPRESSED_HOVER = {"<5": "disamarkan (kurang dari 5)", "<10": "disamarkan (kurang dari 10)",
                    "x": "disamarkan agar angka kecil tidak dapat dihitung"}


def suppressed_range(label: str) -> tuple[int, int]:
    """The counts a suppressed label stands for: '<10' -> (1, 9); '<5' and 'x' (hidden below 5) -> (1, 4)."""
    return (1, 9) if label == "<10" else (1, 4)


def _suppressed_traces(names: list[str], labels: list[str], hidden: list[bool],
                       horizontal: bool) -> tuple[dict, dict]:
    """Range markers for the suppressed cells (a whisker from 1 to threshold-1) and their labels at its end."""
    lows, highs = zip(*(suppressed_range(lab) if h else (None, None) for h, lab in zip(hidden, labels))) \
        if names else ((), ())
    middle = [None if lo is None else (lo + hi) / 2 for lo, hi in zip(lows, highs)]
    spread = [None if lo is None else (hi - lo) / 2 for lo, hi in zip(lows, highs)]
    error = {"type": "data", "array": spread, "symmetric": True, "color": SUPPRESSED_LINE, "thickness": 2.5,
             "width": 6}
    axis = ({"x": middle, "y": names, "error_x": error} if horizontal
            else {"x": names, "y": middle, "error_y": error})
    hover = [f"{n}: {SUPPRESSED_HOVER.get(lab, lab)}" if h else "" for n, h, lab in zip(names, hidden, labels)]
    marker = _trace(
        "scatter", **axis, mode="markers", cliponaxis=False, hovertext=hover, hoverinfo="text", name="disamarkan",
        marker={"symbol": "diamond-open", "size": 11, "color": SUPPRESSED_LINE, "line": {"width": 2}},
        showlegend=False)
    ends = {"x": list(highs), "y": names} if horizontal else {"x": names, "y": list(highs)}
    label = _trace(
        "scatter", **ends, mode="text", text=[lab if h else "" for h, lab in zip(hidden, labels)], cliponaxis=False,
        texttemplate="  %{text}" if horizontal else "%{text}",
        textposition="middle right" if horizontal else "top center", textfont={"color": "#333333"},
        hovertext=hover, hoverinfo="text", name="disamarkan", showlegend=False)
    return marker, label


def _public_note(note: str | None, suppressed: bool) -> str | None:
    parts = [p for p in (note, SUPPRESSED_NOTE if suppressed else None) if p]
    return "<br>".join(parts) or None  # one line each: half-width charts cut long subtitles


def protected_bar_figure(df: pd.DataFrame, category: str, title: str, period: str, unit: str = "korban",
                         note: str | None = None, colours: list[str] | None = None,
                         horizontal: bool = True) -> go.Figure:
    """Bars of protected counts per category (in the order given); suppressed cells as labelled grey stubs."""
    if df.empty:
        return empty_figure(title, period, public_source())
    data = df.iloc[::-1] if horizontal else df
    hidden = data["value"].isna().tolist()
    names = data[category].astype(str).tolist()
    shown = [None if h else int(v) for h, v in zip(hidden, data["value"])]
    labels = data["label"].astype(str).tolist()
    colour = colours[::-1] if (colours and horizontal) else colours
    axis = {"x": shown, "y": names} if horizontal else {"x": names, "y": shown}
    traces = [_trace(
        "bar", **axis, orientation="h" if horizontal else "v", text=["" if h else lab for h, lab in zip(hidden, labels)],
        textposition="outside", cliponaxis=False, hoverinfo="text", name=unit, showlegend=False,
        hovertext=["" if h else f"{n}: {lab} {unit}" for n, h, lab in zip(names, hidden, labels)],
        marker={"color": colour or TOTAL_COLOUR})]
    if any(hidden):
        traces += _suppressed_traces(names, labels, hidden, horizontal)
    axis_title = f"Jumlah {unit}"
    # room for the longest bar or range marker and the label at its end, which must not be cut off
    top = max([v for v in shown if v is not None] + [suppressed_range(lab)[1] for h, lab in zip(hidden, labels) if h]
              + [1])
    layout = {"xaxis" if horizontal else "yaxis": {"title": {"text": axis_title}, "range": [0, top * 1.18]}}
    if not horizontal:
        layout["xaxis"] = {"type": "category"}
    note = _public_note(note, any(hidden))
    height = (max(260, 32 * len(data) + 140) if horizontal else 400) + (22 * note.count("<br>") if note else 0)
    return _frame(traces, layout, title, period, public_source(), note, height=height)


def protected_tile_map_figure(df: pd.DataFrame, tiles: pd.DataFrame, title: str, period: str,
                              unit: str = "korban") -> go.Figure:
    """The kecamatan tile map with protected counts: shaded by value, suppressed tiles grey with "<5"/"x"."""
    data = tiles.merge(df[["district_code", "value", "label"]], on="district_code", how="left")
    if data["label"].isna().all():
        return empty_figure(title, period, public_source())
    known = data["value"].dropna()
    top = float(known.max()) if len(known) and known.max() > 0 else 1.0
    rows = int(data["row"].max())
    shapes = []
    for col, row, value in zip(data["col"], data["row"], data["value"]):
        if pd.isna(value):
            colour, dash = SUPPRESSED_COLOUR, "dot"
        else:
            colour, dash = _shade(float(value), top, lightest=0.05), "solid"
        x0, y0 = col, rows - row
        shapes.append({"type": "rect", "x0": x0 + 0.04, "x1": x0 + 0.96, "y0": y0 + 0.04, "y1": y0 + 0.96,
                       "fillcolor": colour, "layer": "below",
                       "line": {"color": "#555555" if dash == "dot" else "white", "width": 2, "dash": dash}})
    labels = data["label"].fillna("–").tolist()
    dark = [pd.notna(v) and float(v) / top > 0.5 for v in data["value"]]
    traces = [_trace(
        "scatter", x=(data["col"] + 0.5).tolist(), y=(rows - data["row"] + 0.5).tolist(), mode="text",
        text=[f"<b>{name}</b><br>{lab}" for name, lab in zip(data["district"], labels)],
        textfont={"color": ["white" if d else "#1a1a1a" for d in dark], "size": 13},
        hovertext=[f"{name}: {SUPPRESSED_HOVER.get(lab, f'{lab} {unit}')}" for name, lab in zip(data["district"],
                                                                                              labels)],
        hoverinfo="text", showlegend=False,
    )]
    layout = {"shapes": shapes, "xaxis": {"visible": False, "range": [0, int(data["col"].max()) + 1]},
              "yaxis": {"visible": False, "range": [0, rows + 1], "scaleanchor": "x"}}
    note = "peta petak: posisi kira-kira, bukan batas wilayah"
    if data["value"].isna().any():
        note += "; petak abu-abu bergaris putus = disamarkan"
    return _frame(traces, layout, title, period, public_source(), note, height=440)


def protected_heatmap_figure(df: pd.DataFrame, x: str, y: str, title: str, period: str, unit: str = "korban",
                             note: str | None = None) -> go.Figure:
    """A grid of protected counts (e.g. form × period) with the label written in each cell; hidden cells grey."""
    if df.empty:
        return empty_figure(title, period, public_source())
    xs, ys = list(dict.fromkeys(df[x])), list(dict.fromkeys(df[y]))[::-1]
    cell = {(a, b): (value, label) for a, b, value, label in zip(df[x], df[y], df["value"], df["label"])}
    values = [[None if pd.isna(cell[(a, b)][0]) else int(cell[(a, b)][0]) for a in xs] for b in ys]
    labels = [[cell[(a, b)][1] for a in xs] for b in ys]
    hidden = [[0 if pd.isna(cell[(a, b)][0]) else None for a in xs] for b in ys]
    hover = [[f"{b} · {a}: " + (SUPPRESSED_HOVER.get(lab, lab) if v is None else f"{lab} {unit}")
              for a, v, lab in zip(xs, vrow, lrow)] for b, vrow, lrow in zip(ys, values, labels)]
    data = [_trace("heatmap", z=values, x=xs, y=ys, text=labels, texttemplate="%{text}", hovertext=hover,
                   hoverinfo="text", colorscale=LIGHT_SEQUENTIAL, xgap=2, ygap=2, showscale=False,
                   name=unit, textfont={"color": "#1a1a1a"}),
            _trace("heatmap", z=hidden, x=xs, y=ys, text=labels, texttemplate="%{text}", hovertext=hover,
                   hoverinfo="text", colorscale=[[0, SUPPRESSED_COLOUR], [1, SUPPRESSED_COLOUR]],
                   xgap=2, ygap=2, showscale=False, name="disamarkan")]
    layout = {"xaxis": {"type": "category"}, "yaxis": {"type": "category"}, "plot_bgcolor": "white"}
    suppressed = any(v is None for row in values for v in row)
    note = _public_note(note, False)
    if suppressed:
        note = "<br>".join(p for p in (note, "sel abu-abu = disamarkan, lihat label") if p)
    return _frame(data, layout, title, period, public_source(), note, height=max(300, 36 * len(ys) + 190))


def protected_table(cells: pd.DataFrame, category: str, unit: str = "korban") -> pd.DataFrame:
    """A one-breakdown protected table for display: the category and its label ("12", "<5", "x")."""
    return cells[[category, "label"]].rename(columns={"label": f"Jumlah {unit}"}).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# Planning charts (issue 18): two periods side by side, services, time to report, rates per 10,000.

LIKELY_REAL_COLOUR = "#D55E00"  # a change the exact test finds beyond chance
COMPARISON_NOTE = ("abu-abu = periode pembanding, biru tua = periode ini<br>"
                   "oranye = perubahan yang kemungkinan nyata (uji eksak)")


def comparison_figure(df: pd.DataFrame, label_column: str, title: str, period: str, baseline_period: str,
                      unit: str = "kasus") -> go.Figure:
    """Two dots per row joined by a line: the comparison period (grey) and the period (dark, orange when the change
    is likely real). ``df`` is a query result passed through report.compare.comparison_table."""
    shown = f"{period} dibanding {baseline_period}"
    if df.empty or (df["ini"].sum() == 0 and df["banding"].sum() == 0):
        return empty_figure(title, shown)
    data = df.iloc[::-1]
    traces = [_trace("scatter", x=[before, now], y=[label, label], mode="lines", showlegend=False,
                     line={"color": "#C8C8C8", "width": 3}, hoverinfo="skip")
              for label, now, before in zip(data[label_column], data["ini"], data["banding"])]
    traces.append(_trace(
        "scatter", x=data["banding"], y=data[label_column], mode="markers", name=baseline_period,
        marker={"color": PREVIOUS_COLOUR, "size": 12},
        hovertemplate=f"%{{y}}: %{{x:,}} {unit} ({baseline_period})<extra></extra>",
    ))
    traces.append(_trace(
        "scatter", x=data["ini"], y=data[label_column], mode="markers+text", name=period,
        marker={"color": [LIKELY_REAL_COLOUR if n else TOTAL_COLOUR for n in data["nyata"]], "size": 13},
        text=[fmt.number(v) for v in data["ini"]], textposition="middle right", cliponaxis=False,
        customdata=data["penilaian"],
        hovertemplate=f"%{{y}}: %{{x:,}} {unit} ({period})<br>%{{customdata}}<extra></extra>",
    ))
    layout = {"xaxis": {"title": {"text": f"Jumlah {unit}"}, "rangemode": "tozero"}, "yaxis": {"type": "category"},
              "showlegend": False}  # the note names the colours: a legend below collided with the axis title
    return _frame(traces, layout, title, shown, note=COMPARISON_NOTE, height=max(300, 30 * len(data) + 200))


def comparison_display(df: pd.DataFrame, label_column: str, label_header: str, period: str,
                       baseline_period: str) -> pd.DataFrame:
    """The comparison as a table people read: the two counts, the difference, the change and the verdict."""
    return pd.DataFrame({
        label_header: df[label_column], period: df["ini"], baseline_period: df["banding"],
        "Selisih": df["selisih"], "Perubahan": df["perubahan"], "Penilaian": df["penilaian"],
    })


def service_figure(df: pd.DataFrame, title: str, period: str) -> go.Figure:
    """Share of victims who received each service (coverage first): bars for one group, a grid for several."""
    if df.empty or df["korban"].sum() == 0:
        return empty_figure(title, period)
    note = "persentase korban kelompok itu yang menerima layanan; satu korban dapat menerima beberapa layanan"
    groups = list(dict.fromkeys(df["group_label"]))
    services = list(dict.fromkeys(df["service_label"]))
    if len(groups) == 1:
        data = df.iloc[::-1]
        traces, layout = _hbars(data["share"] * 100, data["service_label"], "% korban", text="%{x:,.1f}%",
                                axis_title="Persentase korban (%)")
        traces[0].update(customdata=_array(list(zip(data["penerima"], data["korban"]))),
                         hovertemplate="%{y}: %{customdata[0]:,} dari %{customdata[1]:,} korban "
                                       "(%{x:,.1f}%)<extra></extra>")
        layout["xaxis"]["range"] = [0, float(data["share"].max()) * 100 * 1.15]  # room for "100,0%" at the end
        return _frame(traces, layout, title, period, note=note, height=max(260, 32 * len(data) + 140))
    grid = df.pivot(index="group_label", columns="service_label", values="share").reindex(
        index=groups[::-1], columns=services)
    counts = df.pivot(index="group_label", columns="service_label", values="penerima").reindex(
        index=groups[::-1], columns=services)
    totals = df.drop_duplicates("group_label").set_index("group_label")["korban"].reindex(groups[::-1])
    text = [[fmt.percent(v, 0) for v in row] for row in grid.values]
    hover = [[f"{g} · {s}: {fmt.number(int(c))} dari {fmt.number(int(totals[g]))} korban ({fmt.percent(v)})"
              for s, c, v in zip(services, crow, vrow)]
             for g, crow, vrow in zip(grid.index, counts.values, grid.values)]
    heatmap = _trace(
        "heatmap", z=grid.values * 100, x=services,
        y=[f"{g} ({fmt.number(int(totals[g]))} korban)" for g in grid.index],
        zmin=0, zmax=100, colorscale=LIGHT_SEQUENTIAL, text=text, texttemplate="%{text}", hovertext=hover,
        hoverinfo="text", xgap=2, ygap=2, colorbar={"title": {"text": "% korban"}},
    )
    layout = {"xaxis": {"type": "category", "tickangle": -30, "automargin": True},  # below the grid: above, they
              "yaxis": {"type": "category"}}                                      # hit the subtitle
    return _frame([heatmap], layout, title, period, note=note, height=max(300, 34 * len(groups) + 220))


def service_display(df: pd.DataFrame, group_header: str) -> pd.DataFrame:
    """Group × service table: '12,5% (3)' in each cell, the number of victims in its own column. Groups and services
    in the order of their first row; a (group, service) without a row is empty (NaN), as pandas' pivot leaves it.
    Built from a dict of the cells (pandas' pivot and reindex cost ~5 ms of a Perencanaan rerun)."""
    if df.empty:
        return pd.DataFrame()
    cells: dict[str, dict[str, str]] = {}
    victims: dict[str, int] = {}
    services: dict[str, None] = {}
    for group, service, share, received, total in zip(df["group_label"], df["service_label"], df["share"],
                                                      df["penerima"], df["korban"]):
        if service in cells.setdefault(group, {}):
            raise ValueError(f"two rows for {group!r}, {service!r}")  # as pivot refuses duplicate entries
        cells[group][service] = f"{fmt.percent(share)} ({fmt.number(int(received))})"
        victims.setdefault(group, int(total))
        services[service] = None
    table = pd.DataFrame({group_header: pd.array(list(cells), dtype="str"),
                          "Korban": pd.array([fmt.number(victims[g]) for g in cells], dtype="str"),
                          **{service: pd.array([row.get(service) for row in cells.values()], dtype="str")
                             for service in services}})
    table.columns.name = "service_label"
    return table


def delay_figure(df: pd.DataFrame, title: str, period: str) -> go.Figure:
    """Median days from incident to report per group, with a line from the first to the third quartile."""
    data = df[df["dengan_tanggal"] > 0] if not df.empty else df
    if data.empty:
        return empty_figure(title, period, message="Tidak ada korban dengan tanggal kejadian dan tanggal lapor "
                                                   "untuk pilihan ini.")
    data = data.iloc[::-1]
    labels = [f"{g} (n={fmt.number(int(n))})" for g, n in zip(data["group_label"], data["dengan_tanggal"])]
    traces = [_trace("scatter", x=[q1, q3], y=[label, label], mode="lines", showlegend=False,
                     line={"color": PREVIOUS_COLOUR, "width": 8}, hoverinfo="skip")
              for label, q1, q3 in zip(labels, data["q1"], data["q3"])]
    traces.append(_trace(
        "scatter", x=data["median"], y=labels, mode="markers+text", name="Median",
        marker={"color": TOTAL_COLOUR, "size": 13},
        text=[fmt.number(v, 0) for v in data["median"]], textposition="top center", cliponaxis=False,
        customdata=list(zip(data["q1"], data["q3"], data["dengan_tanggal"])),
        hovertemplate="%{y}: median %{x:,.0f} hari (kuartil %{customdata[0]:,.0f}–%{customdata[1]:,.0f}; "
                      "%{customdata[2]:,} korban dengan kedua tanggal)<extra></extra>",
    ))
    layout = {"xaxis": {"title": {"text": "Hari dari kejadian sampai lapor"}, "rangemode": "tozero"},
              "yaxis": {"type": "category"}, "showlegend": False}
    return _frame(traces, layout, title, period, height=max(300, 40 * len(data) + 200),
                  note="titik = median; batang abu-abu = kuartil 1–3 (separuh korban di tengah)<br>"
                       "n = korban yang memiliki tanggal kejadian dan tanggal lapor")


def delay_display(df: pd.DataFrame, group_header: str) -> pd.DataFrame:
    """Time to report as a table: records, with both dates, median and quartiles in days."""
    return pd.DataFrame({
        group_header: df["group_label"], "Korban": df["korban"],
        "Dengan kedua tanggal": df["dengan_tanggal"],
        "Tanggal terbalik": df["tanggal_terbalik"],  # kejadian after lapor, not counted (the page's note says so)
        "Median (hari)": [fmt.number(v, 0) for v in df["median"]],
        "Kuartil 1 (hari)": [fmt.number(v, 0) for v in df["q1"]],
        "Kuartil 3 (hari)": [fmt.number(v, 0) for v in df["q3"]],
    })


RATE_MEASURES = {
    "korban_per_10rb": ("Korban per 10.000 penduduk", "korban per 10.000 penduduk", "population"),
    "korban_perempuan_per_10rb": ("Korban perempuan per 10.000 penduduk perempuan",
                                  "korban perempuan per 10.000 penduduk perempuan", "female_population"),
    "korban_anak_per_10rb": ("Korban anak per 10.000 penduduk anak", "korban anak per 10.000 penduduk anak",
                             "child_population"),
}


def rate_figure(df: pd.DataFrame, measure: str, period: str, denominator: str) -> go.Figure:
    """Kecamatan ranked by a rate per 10,000 (all victims, female victims or child victims)."""
    title, unit, _ = RATE_MEASURES[measure]  # the bars are kecamatan; the title stays short for half a page
    data = df.dropna(subset=[measure])
    if data.empty or data[measure].sum() == 0:
        return empty_figure(title, period)
    data = data.sort_values(measure)
    return _frame(*_hbars(data[measure], data["district"], unit, text="%{x:,.1f}", axis_title=unit.capitalize()),
                  title, period, note=f"penyebut: {denominator}", height=max(260, 34 * len(data) + 130))


def rates_display(df: pd.DataFrame) -> pd.DataFrame:
    """Counts beside their rates per 10,000 and the population behind each rate."""
    columns = {"district": "Kecamatan", "korban": "Korban", "population": "Penduduk",
               "korban_per_10rb": "Korban per 10.000", "korban_perempuan": "Korban perempuan",
               "female_population": "Penduduk perempuan", "korban_perempuan_per_10rb": "per 10.000 perempuan",
               "korban_anak": "Korban anak", "child_population": "Penduduk anak",
               "korban_anak_per_10rb": "per 10.000 anak"}
    table = df[list(columns)].copy()
    for column in ("population", "female_population", "child_population"):
        table[column] = [fmt.number(None if pd.isna(v) else int(v)) for v in table[column]]
    for column in RATE_MEASURES:
        table[column] = [fmt.number(None if pd.isna(v) else float(v), 1) for v in table[column]]
    return table.rename(columns=columns)


# --------------------------------------------------------------------------------------------------------------
# Gugus Tugas TPPO (issue 23): destinations, the case-stage funnel, repatriations. Purposes, channels and children
# use category_figure (korban).

DESTINATION_KIND_COLOURS = {"within_city": OKABE_ITO[3], "within_province": OKABE_ITO[1],
                            "other_province": OKABE_ITO[4], "abroad": OKABE_ITO[2]}
FUNNEL_COLOUR, ENDING_COLOUR = TOTAL_COLOUR, PREVIOUS_COLOUR


def destination_figure(df: pd.DataFrame, period: str, top: int = 12) -> go.Figure:
    """Korban TPPO per destination, most first (the ``top`` first), coloured by kind of destination."""
    title = "Korban TPPO menurut daerah/negara tujuan"
    if df.empty or df["victims"].sum() == 0:
        return empty_figure(title, period, message="Belum ada korban TPPO dengan daerah/negara tujuan untuk pilihan "
                                                   "ini.")
    data = df.head(top).iloc[::-1]
    traces = []
    for kind, label in data.groupby("destination_kind", sort=False)["kind_label"].first().items():
        part = data[data["destination_kind"] == kind]
        traces.append(_trace("bar", x=part["victims"], y=part["label"], orientation="h", name=label,
                             marker={"color": DESTINATION_KIND_COLOURS.get(kind, OKABE_ITO[6])}, texttemplate="%{x:,}",
                             textposition="outside", cliponaxis=False,
                             hovertemplate=f"%{{y}} ({label}): %{{x:,}} korban<extra></extra>"))
    layout = {"yaxis": {"categoryorder": "array", "categoryarray": _array(list(data["label"]))},
              "xaxis": {"title": {"text": "Jumlah korban"}, "rangemode": "tozero"}}
    note = f"{top} tujuan teratas" if len(df) > top else None
    return _frame(traces, layout, title, period, note=note, height=max(280, 32 * len(data) + 160))


def stage_funnel_figure(df: pd.DataFrame, title: str, period: str) -> go.Figure:
    """Kasus that reached each stage of handling (dilaporkan … putusan), and those that ended otherwise (grey),
    with the median days from report to the stage written beside each bar."""
    if df.empty or df["cases"].sum() == 0:
        return empty_figure(title, period)
    data = df.iloc[::-1]
    # short enough to fit beside the longest bar in half a page ("149 · median 186 hari" was cut off there)
    days = [f"{fmt.number(int(c))}" + (f" · {fmt.number(d, 0)} hari" if pd.notna(d) else "")
            for c, d in zip(data["cases"], data["median_days"])]
    colours = [ENDING_COLOUR if e else FUNNEL_COLOUR for e in data["ending"]]
    bar = _trace("bar", x=data["cases"], y=data["label"], orientation="h", marker={"color": colours}, text=days,
                 textposition="outside", cliponaxis=False,
                 customdata=list(zip(data["cases_dated"])),
                 hovertemplate="%{y}: %{x:,} kasus (%{customdata[0]:,} dengan tanggal tahap)<extra></extra>")
    layout = {"yaxis": {"categoryorder": "array", "categoryarray": _array(list(data["label"]))},
              # room at the bars' ends for the count and the median days written there
              "xaxis": {"title": {"text": "Jumlah kasus"}, "range": [0, max(1, int(data["cases"].max())) * 2]}}
    return _frame([bar], layout, title, period, height=max(300, 36 * len(data) + 170),
                  note="biru = kasus yang sudah mencapai tahap itu atau lebih jauh; abu-abu = kasus yang berakhir "
                       "tanpa putusan<br>di ujung batang: kasus · median hari dari tanggal lapor sampai tanggal "
                       "tahap yang dilaporkan")


def stage_funnel_display(df: pd.DataFrame) -> pd.DataFrame:
    """The funnel as a table: stage, kasus, kasus with a date, median days."""
    return pd.DataFrame({"Tahap penanganan": df["label"], "Kasus": df["cases"],
                         "Kasus dengan tanggal tahap": df["cases_dated"],
                         "Median hari sejak lapor": [fmt.number(v, 0) if pd.notna(v) else "–"
                                                     for v in df["median_days"]]})


def repatriation_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Korban TPPO repatriated per place brought back from, then those not (yet) repatriated and not filled in."""
    title = "Korban TPPO menurut pemulangan"
    if df.empty or df["victims"].sum() == 0:
        return empty_figure(title, period)
    data = df.iloc[::-1]
    colours = [TOTAL_COLOUR if r == "ya" else PREVIOUS_COLOUR for r in data["repatriated"]]
    return _frame(*_hbars(data["victims"], data["label"], "korban", colours), title, period,
                  note="biru tua = dipulangkan, menurut daerah/negara asal pemulangan",
                  height=max(240, 32 * len(data) + 140))


# --------------------------------------------------------------------------------------------------------------
# Pelaku (issue 18): perpetrators written on the victim rows counted, from the agencies that record them. Staff only: no
# perpetrator figure is public (docs/disclosure.md).

PERPETRATOR_UNIT = "pelaku"
PERPETRATOR_NOTE = "pelaku tercatat dari kasus periode ini; tidak semua lembaga mencatat pelaku"


def perpetrator_pyramid_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Pelaku per age band and sex (queries.perpetrator_age_sex)."""
    return pyramid_figure(df, period, "perpetrators", PERPETRATOR_UNIT, "Pelaku menurut umur dan jenis kelamin",
                          note=PERPETRATOR_NOTE)


def perpetrator_child_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Pelaku anak (< 18 tahun), dewasa and of unknown age (queries.perpetrator_child_adult)."""
    return category_figure(df, "age_group", "Jumlah pelaku: anak dan dewasa", period, value="perpetrators",
                           unit=PERPETRATOR_UNIT, note=PERPETRATOR_NOTE)


def perpetrator_relationship_figure(df: pd.DataFrame, period: str) -> go.Figure:
    """Pelaku per relationship to the victim (queries.perpetrator_relationships)."""
    return category_figure(df, "label", "Jumlah pelaku menurut hubungan dengan korban", period,
                           value="perpetrators", unit=PERPETRATOR_UNIT, note=PERPETRATOR_NOTE)
