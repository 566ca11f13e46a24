"""Chart builders, formatters and sentences as pure functions: traces, titles, values, palette, empty data."""

from __future__ import annotations

import copy
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from tests.test_url_grid import demo_env  # noqa: F401

from report import charts, geography, sentences
from report import format as fmt
from report.queries import Filters
from etl import vocab

PERIOD = "Januari–Oktober 2024"


def months(n, start=dt.date(2024, 1, 1)):
    return [pd.Timestamp(start.year, start.month + i, 1) for i in range(n)]


def monthly(values, provisional_last=2):
    return pd.DataFrame({"month": months(len(values)), "kasus": values, "korban": [v + 1 for v in values],
                         "korban_rata3": pd.Series([v + 1 for v in values]).rolling(3, min_periods=1).mean(),
                         "provisional": [i >= len(values) - provisional_last for i in range(len(values))]})


def forms(values):
    types = vocab.violence_types()
    return pd.DataFrame({"violence_type": [t.code for t in types], "label": [t.label for t in types],
                         "victims": values[:len(types)]})


def text_of(fig):
    return fig.layout.title.text + " | " + fig.layout.title.subtitle.text


# formatters -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [(1234, "1.234"), (1234567, "1.234.567"), (0, "0"), (None, "–")])
def test_numbers_use_a_dot_for_thousands(value, expected):
    assert fmt.number(value) == expected


def test_decimals_and_percentages_use_a_comma():
    assert fmt.number(12.345, 1) == "12,3"
    assert fmt.percent(0.125) == "12,5%"


@pytest.mark.parametrize("start, end, expected", [
    (dt.date(2024, 1, 1), dt.date(2024, 10, 1), "Januari–Oktober 2024"),
    (dt.date(2024, 6, 1), dt.date(2024, 6, 1), "Juni 2024"),
    (dt.date(2023, 11, 1), dt.date(2024, 2, 1), "November 2023–Februari 2024"),
])
def test_period_labels(start, end, expected):
    assert fmt.period_label(start, end) == expected


@pytest.mark.parametrize("now, before, expected", [
    (112, 100, "naik 12%"), (97, 100, "turun 3%"), (100, 100, "tetap"), (5, 0, "belum ada data pembanding"),
    (5, None, "belum ada data pembanding"), (0, 0, "tetap"),
])
def test_changes_are_said_in_words(now, before, expected):
    assert fmt.change(now, before) == expected


def test_month_names_are_indonesian():
    assert [fmt.month_short(m) for m in (5, 8, 10, 12)] == ["Mei", "Agu", "Okt", "Des"]
    assert fmt.month_label(dt.date(2024, 8, 1), short=False) == "Agustus 2024"
    assert fmt.date_label(dt.date(2024, 11, 5)) == "5 November 2024"


# palette ---------------------------------------------------------------------------------------------------------

def test_every_form_has_its_own_colour():
    colours = charts.form_colours()
    assert list(colours) == [v.code for v in vocab.violence_types()]
    assert len(set(colours.values())) == len(colours)
    assert charts.RECAP_COLOUR not in colours.values() and charts.TOTAL_COLOUR not in colours.values()


def test_a_form_has_the_same_colour_in_every_chart():
    bars = charts.forms_figure(forms([3, 4, 5, 6, 7, 8, 9]), PERIOD)
    bar_colour = dict(zip(bars.data[0].y, bars.data[0].marker.color))
    frame = pd.concat([forms([1] * 7).assign(month=m) for m in months(3)])
    lines = charts.form_months_figure(frame, PERIOD)
    line_colour = {t.name: t.line.color for t in lines.data}
    assert bar_colour == line_colour
    assert bar_colour[vocab.violence_labels()["tppo"]] == charts.form_colours()["tppo"]



def test_forms_by_month_is_one_panel_per_form_with_victims_on_one_scale():
    frame = pd.concat([forms([2, 0, 5, 1, 3, 0, 4]).assign(month=m) for m in months(3)])
    fig = charts.form_months_figure(frame, PERIOD)
    labels = vocab.violence_labels()
    shown = [labels[c] for c, n in zip(labels, [2, 0, 5, 1, 3, 0, 4]) if n]
    assert [t.name for t in fig.data] == shown
    assert [a.text for a in fig.layout.annotations] == shown  # each panel titled with its form
    assert len({t.yaxis for t in fig.data}) == len(shown)
    scales = {fig.layout[k].matches or k.replace("axis", "") for k in fig.layout if k.startswith("yaxis")}
    assert len(scales) == 1  # every panel on one vertical scale

def test_each_form_panel_holds_that_form_s_rows_as_pandas_groups_them():
    """form_months_figure reads its rows as plain arrays: each panel's months and counts must be those of
    groupby(sort=False) on rows of the forms interleaved, a form without victims left out."""
    frame = pd.concat([forms([2, 0, 5, 1, 3, 0, 4]).assign(month=m, victims=lambda d, i=i: d["victims"] * (i + 1))
                       for i, m in enumerate(months(3))], ignore_index=True).iloc[[0, 8, 1, 15, 2, 9, 16, 3, 10, 17, 4,
                                                                                   11, 18, 5, 12, 19, 6, 13, 20, 7, 14]]
    fig = charts.form_months_figure(frame, PERIOD)
    expected = [(part["label"].iloc[0], [fmt.month_label(pd.Timestamp(m).date()) for m in part["month"]],
                 part["victims"].tolist()) for _, part in frame.groupby("violence_type", sort=False)
                if part["victims"].sum() > 0]
    assert [(t.name, list(t.x), list(t.y)) for t in fig.data] == expected


# figures ---------------------------------------------------------------------------------------------------------

def test_monthly_figure_counts_cases_with_indonesian_months_and_marks_provisional_months():
    fig = charts.monthly_figure(monthly([5, 7, 9, 11, 13, 15, 12, 14, 16, 8]), PERIOD, "kasus")
    bar = fig.data[0]
    assert list(bar.y) == [5, 7, 9, 11, 13, 15, 12, 14, 16, 8]
    assert list(bar.x)[4] == "Mei 2024" and list(bar.x)[7] == "Agu 2024"
    assert list(bar.marker.pattern.shape)[-2:] == ["/", "/"] and bar.marker.pattern.shape[0] == ""
    assert "kasus" in fig.layout.title.text
    assert PERIOD in fig.layout.title.subtitle.text and "Sumber" in fig.layout.title.subtitle.text
    assert "data sementara" in fig.layout.title.subtitle.text
    assert fig.layout.separators == ",."


def test_moving_average_is_a_second_trace():
    fig = charts.monthly_figure(monthly([3, 6, 9]), PERIOD, "korban", moving_average=True)
    assert [t.name for t in fig.data] == ["Korban", "Rata-rata 3 bulan"]
    assert list(fig.data[1].y) == pytest.approx([4, 5.5, 7])


def test_form_figures_say_a_victim_can_suffer_several_forms():
    fig = charts.forms_figure(forms([3, 4, 5, 6, 7, 8, 9]), PERIOD)
    assert charts.MULTI_FORM_NOTE in fig.layout.title.subtitle.text
    assert "korban" in fig.layout.title.text and "bentuk" in fig.layout.title.text
    assert dict(zip(fig.data[0].y, fig.data[0].x))["Fisik"] == 3


@pytest.mark.parametrize("build", [
    lambda: charts.monthly_figure(monthly([0, 0, 0]), PERIOD),
    lambda: charts.monthly_figure(monthly([])[["month", "kasus", "korban", "korban_rata3", "provisional"]], PERIOD),
    lambda: charts.forms_figure(forms([0] * 7), PERIOD),
    lambda: charts.district_bar_figure(pd.DataFrame({"district": [], "kasus": []}), PERIOD),
    lambda: charts.pyramid_figure(pd.DataFrame({"age_band": [], "sex": [], "victims": []}), PERIOD),
    lambda: charts.category_figure(pd.DataFrame({"label": ["a"], "victims": [0]}), "label", "Korban", PERIOD),
    lambda: charts.form_districts_figure(pd.DataFrame(columns=["district", "label", "victims"]), PERIOD),
])
def test_empty_data_gives_a_sentence_not_an_empty_axis(build):
    fig = build()
    assert charts.is_empty(fig)
    assert fig.layout.annotations[0].text == charts.EMPTY_MESSAGE
    fig.to_json()


def test_recap_figure_is_labelled_as_recap_and_has_its_own_colour():
    df = pd.DataFrame({"month": months(3) * 2, "agency": ["RSUD"] * 3 + ["PUSKESMAS"] * 3, "victims": [1, 2, 3] * 2})
    fig = charts.recap_figure(df, PERIOD)
    assert all(t.name.endswith("(rekap)") for t in fig.data)
    assert {t.line.color for t in fig.data} == {charts.RECAP_COLOUR}
    assert "tidak termasuk" in fig.layout.title.text


def test_year_comparison_names_both_years_and_the_unit():
    rows = [("ini", 2024, m, m, m * 2) for m in range(1, 4)] + [("lalu", 2023, m, 1, 3) for m in range(1, 4)]
    df = pd.DataFrame(rows, columns=["which", "year", "month_number", "kasus", "korban"])
    df["kasus_kumulatif"] = df.groupby("which")["kasus"].cumsum()
    fig = charts.year_comparison_figure(df, PERIOD, "kasus", cumulative=True)
    assert [t.name for t in fig.data] == ["2023", "2024"]
    assert list(fig.data[1].y) == [1, 3, 6] and list(fig.data[1].x) == ["Jan", "Feb", "Mar"]
    assert "kumulatif" in fig.layout.title.text and "kasus" in fig.layout.title.text


def district_frame(values):
    return pd.DataFrame({"district_code": [d.code for d in vocab.districts()],
                         "district": [d.name for d in vocab.districts()], "kasus": values})


def test_tile_map_draws_every_kecamatan_with_its_value():
    values = list(range(11))
    fig = charts.tile_map_figure(district_frame(values), geography.district_tiles(), PERIOD)
    assert len(fig.layout.shapes) == 11
    labels = list(fig.data[0].text)
    for d, v in zip(vocab.districts(), values):
        assert any(d.name in label and label.endswith(f"<br>{v}") for label in labels)


@pytest.mark.parametrize("top", [13, 21, 1, 2, 7, 149, 1000])
def test_the_maps_draw_whatever_the_largest_count(top, boundary_file, monkeypatch):
    # 0.1 + 0.9 * 13 / 13 is 1.0000000000000002: the shade fell off the colour scale (IndexError) and the staff
    # Wilayah page crashed for one kecamatan whose count was 13 or 21 (the others have no data then)
    one = district_frame([top] + [None] * 10)
    tiles = charts.tile_map_figure(one, geography.district_tiles(), PERIOD)
    assert len(tiles.layout.shapes) == 11
    monkeypatch.setenv("PPA_BOUNDARIES", str(boundary_file))
    charts.choropleth_figure(one, geography.boundaries(), PERIOD)
    cells = one.assign(label=one["kasus"].map(lambda v: "" if pd.isna(v) else str(int(v))), value=one["kasus"])
    charts.protected_tile_map_figure(cells, geography.district_tiles(), "Peta", PERIOD)


def test_choropleth_reads_the_boundary_file_by_kemendagri_code(boundary_file, monkeypatch):
    monkeypatch.setenv("PPA_BOUNDARIES", str(boundary_file))
    geojson = geography.boundaries()
    fig = charts.choropleth_figure(district_frame([29, 18, 16, 13, 12, 12, 8, 7, 1, 1, 0]), geojson, PERIOD)
    polygons = [t for t in fig.data if t.fill == "toself"]
    assert len(polygons) >= 11
    hover = {t.name: t.text for t in polygons}
    assert hover["Telanaipura"] == "Telanaipura: 29 kasus"
    assert len(fig.data[-1].text) == 11


def test_a_bad_boundary_file_is_a_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "batas.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [{"properties": {"nama": "x"}}]}))
    monkeypatch.setenv("PPA_BOUNDARIES", str(bad))
    with pytest.raises(geography.GeographyError, match="kode_kecamatan"):
        geography.boundaries()


def test_population_table_is_read_from_the_configured_csv(tmp_path, monkeypatch):
    table = tmp_path / "penduduk.csv"
    table.write_text("district_code,population\n15.71.01,52.000\n15.71.02,61000\n")
    monkeypatch.setenv("PPA_POPULATION", str(table))
    assert geography.population() == (("15.71.01", 52000), ("15.71.02", 61000))


def test_rate_bar_formats_with_a_decimal_comma():
    df = district_frame([1] * 11).assign(korban_per_10rb=[2.5] + [1.0] * 10)
    fig = charts.district_bar_figure(df, PERIOD, "korban_per_10rb")
    assert "10.000 penduduk" in fig.layout.title.text
    assert fig.data[0].texttemplate == "%{x:,.1f}"


def test_pyramid_puts_men_left_and_women_right():
    df = pd.DataFrame({"age_band": ["0-5", "0-5", "0-5", "6-12", "6-12", "6-12"],
                       "sex": ["P", "L", "?", "P", "L", "?"], "victims": [4, 2, 1, 3, 0, 0]})
    fig = charts.pyramid_figure(df, PERIOD)
    by_name = {t.name: list(t.x) for t in fig.data}
    assert by_name == {"Laki-laki": [-2, 0], "Perempuan": [4, 3]}
    assert "1 korban tanpa jenis kelamin" in fig.layout.title.subtitle.text


def test_submission_matrix_colours_follow_status():
    df = pd.DataFrame({"agency": ["UPTD_PPA", "UPTD_PPA", "RSUD", "RSUD"], "month": months(2) * 2,
                       "status": ["diterima", "diganti", "belum ada", "diterima"]})
    fig = charts.submission_matrix_figure(df, PERIOD)
    assert fig.data[0].z.tolist() == [[2, 0], [0, 1]]  # agencies bottom-up: RSUD row first
    assert list(fig.data[0].y) == ["RSUD Kota Jambi", "UPTD Perlindungan Perempuan dan Anak Kota Jambi"]
    assert [t.name for t in fig.data[1:]] == ["diterima", "diganti", "belum ada"]


def test_tables_show_agency_names_not_codes():
    table = charts.display_table(pd.DataFrame({"agency": ["POLRESTA", "XYZ"], "primary_agency": ["UPTD_PPA", None],
                                               "pairs": [3, 1]}))
    assert table["Lembaga"].tolist() == ["Unit PPA Sat Reskrim Polresta Jambi", "XYZ"]
    assert table["Lembaga utama (UPTD PPA diutamakan)"].tolist()[0] == "UPTD Perlindungan Perempuan dan Anak Kota Jambi"


# sentences -------------------------------------------------------------------------------------------------------

def headline(kasus, korban, tppo, anak=0):
    return pd.DataFrame([{"kasus": kasus, "korban": korban, "kasus_tppo": tppo, "korban_tppo": tppo,
                          "korban_anak": anak}])


def test_headline_sentence_states_cases_and_tppo_and_the_change():
    text = sentences.headline_sentence(headline(149, 163, 22, 88), headline(133, 140, 15), PERIOD,
                                       "Januari–Oktober 2023")
    assert text.startswith("Januari–Oktober 2024: 149 kasus, 22 di antaranya TPPO")
    assert "naik 12%" in text


def test_metric_cards_have_the_exact_labels_and_arrows():
    cards = sentences.metric_cards(headline(149, 163, 22), headline(160, 163, 11))
    assert [c.label for c in cards] == ["Kasus", "Korban", "Kasus TPPO"]
    assert [c.value for c in cards] == ["149", "163", "22"]
    assert [c.arrow for c in cards] == ["down", "off", "up"]
    assert cards[2].delta == "naik 100%"


def test_footer_says_source_date_provisional_not_prevalence_and_demo():
    facts = pd.DataFrame([{"dataset": "demo", "last_load": pd.Timestamp("2024-11-05 10:00"),
                           "last_month": pd.Timestamp("2024-10-01")}])
    lines = sentences.footer_lines(facts, Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1)), dt.date(2024, 11, 6))
    text = " ".join(lines)
    assert "Data per 5 November 2024" in text and "data sementara" in text
    assert "bukan angka prevalensi" in text and "DATA CONTOH (sintetis)" in text
    older = " ".join(sentences.footer_lines(facts, Filters(dt.date(2022, 1, 1), dt.date(2022, 12, 1)),
                                            dt.date(2024, 11, 6)))
    assert "sementara" not in older


# counts on axes and bars (issue 22) ------------------------------------------------------------------------------

def _small_count_figures():
    """Each count chart drawn from counts of 0–3, where Plotly's own ticks would be 0; 0,5; 1 … or 0,2; 0,4 …;
    with the axis that carries the counts."""
    rows = [("ini", 2024, m, m % 3, 1) for m in range(1, 4)] + [("lalu", 2023, m, 1, 1) for m in range(1, 4)]
    years = pd.DataFrame(rows, columns=["which", "year", "month_number", "kasus", "korban"])
    two_periods = pd.DataFrame({"label": ["Fisik", "Psikis"], "ini": [1, 3], "banding": [2, 0],
                                "nyata": [False, False], "penilaian": ["", ""]})
    pyramid = pd.DataFrame({"age_band": ["0-5", "0-5", "6-12", "6-12"], "sex": ["P", "L", "P", "L"],
                            "victims": [2, 1, 3, 0]})
    return {
        "monthly": (charts.monthly_figure(monthly([1, 0, 2]), PERIOD), "y"),
        "year comparison": (charts.year_comparison_figure(years, PERIOD, "kasus"), "y"),
        "two periods (dots along x)": (charts.comparison_figure(two_periods, "label", "Dua periode", PERIOD,
                                                                "2023"), "x"),
        "kecamatan": (charts.district_bar_figure(district_frame([1, 2, 0, 3, 1, 0, 0, 2, 1, 1, 0]), PERIOD), "x"),
        "forms": (charts.forms_figure(forms([1, 2, 0, 3, 1, 0, 1]), PERIOD), "x"),
        "category": (charts.category_figure(pd.DataFrame({"group": ["a", "b"], "victims": [1, 2]}), "group", "t",
                                            PERIOD), "x"),
        "pyramid": (charts.pyramid_figure(pyramid, PERIOD), "x"),
    }


@pytest.mark.parametrize("name", list(_small_count_figures()))
def test_count_axes_tick_in_whole_numbers(name):
    fig, key = _small_count_figures()[name]
    axis = fig.layout.xaxis if key == "x" else fig.layout.yaxis
    if axis.tickvals is not None:  # ticks written out (the pyramid): each a whole number
        assert all(float(v) == int(v) for v in axis.tickvals), axis.tickvals
    else:  # Plotly's own ticks from 0 every 1: never 0,5 or 0,2
        assert axis.dtick == 1 and axis.tick0 == 0, (axis.dtick, axis.tick0)


def test_bars_people_read_carry_their_values():
    figs = {name: fig for name, (fig, _) in _small_count_figures().items()}
    comparison = [t for t in figs["year comparison"].data if t.type == "bar"]
    assert [list(t.text) for t in comparison] == [["1", "1", "1"], ["1", "2", "0"]]
    pyramid = {t.name: list(t.text) for t in figs["pyramid"].data}
    assert pyramid == {"Laki-laki": ["1", ""], "Perempuan": ["2", "3"]}


# figures built without validation (report.charts._frame) ---------------------------------------------------------

def _validated_again(fig) -> dict:
    """The figure's JSON after Plotly validates every property of it once more."""
    import plotly.graph_objects as go
    return json.loads(go.Figure(fig.to_dict()).to_json())


@pytest.mark.parametrize("name", list(_small_count_figures()))
def test_a_framed_figure_is_what_validation_would_make_of_it(name):
    fig, _ = _small_count_figures()[name]
    assert json.loads(fig.to_json()) == _validated_again(fig)


def _every_builder_figure():
    """One figure of every builder whose traces are written as plain dicts, on small frames (suppressed cells,
    empty selections, several panels and groups included), the ones the demo's pages may not reach."""
    tiles = geography.district_tiles()
    districts = district_frame([3, 0, 1, 7, 2, 0, 5, 1, 0, 4, 2])
    rows = [(t.code, t.label, m, v) for t, v in zip(vocab.violence_types(), [4, 0, 2, 6, 1, 0, 3])
            for m, v in zip(months(3), [v, v + 1, 0])]
    form_months = pd.DataFrame(rows, columns=["violence_type", "label", "month", "victims"])
    protected = pd.DataFrame({"Kecamatan": ["A", "B", "C"], "value": [12, None, 0], "label": ["12", "<5", "0"]})
    grid = pd.DataFrame({"periode": ["2023", "2023", "2024", "2024"], "bentuk": ["Fisik", "Psikis"] * 2,
                         "value": [7, None, 9, 3], "label": ["7", "x", "9", "3"]})
    services = pd.DataFrame({"group_label": ["Anak", "Anak", "Dewasa", "Dewasa"],
                             "service_label": ["Medis", "Hukum"] * 2, "share": [0.5, 0.25, 1.0, 0.0],
                             "penerima": [2, 1, 3, 0], "korban": [4, 4, 3, 3]})
    delays = pd.DataFrame({"group_label": ["Fisik", "Seksual"], "korban": [5, 3], "dengan_tanggal": [4, 2],
                           "tanggal_terbalik": [0, 1], "median": [3.0, 10.5], "q1": [1.0, 4.0], "q3": [7.0, 20.0]})
    funnel = pd.DataFrame({"label": ["Dilaporkan", "Penyidikan", "Putusan", "Dihentikan"], "cases": [9, 4, 1, 2],
                           "cases_dated": [9, 3, 1, 2], "median_days": [0.0, 12.0, None, 40.0],
                           "ending": [False, False, False, True]})
    destinations = pd.DataFrame({"label": ["Malaysia", "Riau", "Kota Jambi"], "kind_label": ["luar negeri", "provinsi lain",
                                 "dalam kota"], "destination_kind": ["abroad", "other_province", "within_city"],
                                 "victims": [5, 2, 1]})
    repatriations = pd.DataFrame({"label": ["Malaysia", "Belum dipulangkan"], "repatriated": ["ya", "tidak"],
                                  "victims": [3, 2]})
    recap = pd.DataFrame({"agency": ["POLRESTA", "POLRESTA", "DINSOS"], "month": months(2) + months(1),
                          "victims": [2, 3, 1]})
    matrix = pd.DataFrame({"agency": ["UPTD_PPA", "UPTD_PPA", "RSUD"], "month": months(2) + months(1),
                           "status": ["diterima", "diganti", "belum ada"]})
    rates = districts.assign(korban_per_10rb=[v / 3 for v in districts["kasus"]])
    return {
        "empty": charts.empty_figure("Judul", PERIOD),
        "form months (panels)": charts.form_months_figure(form_months, PERIOD),
        "tile map": charts.tile_map_figure(districts, tiles, PERIOD, "kasus"),
        "kelurahan": charts.subdistrict_figure(pd.DataFrame({"subdistrict": ["X", "Y"], "district": ["A", "B"],
                                                             "korban": [4, 1]}), PERIOD),
        "form × kecamatan": charts.form_districts_figure(
            pd.DataFrame({"district": [d.name for d in vocab.districts()[:2]], "label": ["Fisik", "Psikis"],
                          "victims": [3, 1]}), PERIOD),
        "recap": charts.recap_figure(recap, PERIOD),
        "submission matrix": charts.submission_matrix_figure(matrix, PERIOD),
        "rejected rows": charts.reasons_figure(pd.DataFrame({"reason": ["tanggal_salah", "umur_salah"],
                                                             "rows": [4, 9]}), PERIOD),
        "protected bars with a hidden cell": charts.protected_bar_figure(protected, "Kecamatan", "Judul", PERIOD),
        "protected columns": charts.protected_bar_figure(protected, "Kecamatan", "Judul", PERIOD, horizontal=False),
        "protected tile map": charts.protected_tile_map_figure(
            tiles.assign(value=[None if i % 4 == 0 else i for i in range(len(tiles))],
                         label=["<5" if i % 4 == 0 else str(i) for i in range(len(tiles))]),
            tiles, "Judul", PERIOD),
        "protected grid": charts.protected_heatmap_figure(grid, "periode", "bentuk", "Judul", PERIOD),
        "services, one group": charts.service_figure(services[services["group_label"] == "Anak"], "Layanan", PERIOD),
        "services, a grid": charts.service_figure(services, "Layanan", PERIOD),
        "time to report": charts.delay_figure(delays, "Hari", PERIOD),
        "rates": charts.rate_figure(rates, "korban_per_10rb", PERIOD, "BPS"),
        "destinations": charts.destination_figure(destinations, PERIOD),
        "funnel": charts.stage_funnel_figure(funnel, "Tahap", PERIOD),
        "repatriations": charts.repatriation_figure(repatriations, PERIOD),
        "moving average": charts.monthly_figure(monthly([4, 6, 2, 9]), PERIOD, "korban", moving_average=True),
        "running total": charts.year_comparison_figure(
            pd.DataFrame([("ini", 2024, m, m, 1, m * 2, 2) for m in range(1, 4)]
                         + [("lalu", 2023, m, 2, 1, m * 2, 2) for m in range(1, 4)],
                         columns=["which", "year", "month_number", "kasus", "korban", "kasus_kumulatif",
                                  "korban_kumulatif"]), PERIOD, "kasus", cumulative=True),
    }


@pytest.mark.parametrize("name", list(_every_builder_figure()))
def test_every_builder_s_figure_is_what_validation_would_make_of_it(name):
    """The builders write traces and layout as plain dicts and skip Plotly's validation: validating the figure
    again must change nothing (a misspelt property raises here, a value of another type changes the JSON)."""
    fig = _every_builder_figure()[name]
    assert json.loads(fig.to_json()) == _validated_again(fig)


def _plotly_s_own_json(fig) -> str:
    """What st.plotly_chart sends when to_dict is Plotly's own (deepcopy, then convert_to_base64)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    return pio.to_json(go.Figure.to_dict(fig), validate=False)


@pytest.mark.parametrize("name", list(_every_builder_figure()))
def test_every_builder_s_figure_sends_the_json_plotly_s_own_to_dict_would(name):
    """charts.Figure.to_dict makes the dict of Plotly's to_dict in one walk: st.plotly_chart's JSON must be the same
    bytes (typed arrays included), and the dict a copy (changing it leaves the figure as it was)."""
    import plotly.io as pio
    import plotly.tools

    fig = _every_builder_figure()[name]
    assert isinstance(fig, charts.Figure)
    sent = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)  # before Plotly builds it
    before = _plotly_s_own_json(fig)
    assert pio.to_json(sent, validate=False) == before
    for trace in sent["data"]:
        trace.clear()
    sent["layout"]["template"]["layout"].clear()
    sent["layout"].clear()
    assert _plotly_s_own_json(fig) == before


def _numbers_changed(value, step):
    """The same figure spec with every number (not a bool) changed by ``step``: the same shape, other values."""
    if isinstance(value, dict):
        return {key: _numbers_changed(item, step) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_numbers_changed(item, step) for item in value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return step(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return step(value)
    return value


@pytest.mark.parametrize("name", list(_every_builder_figure()))
def test_a_figure_of_a_shape_seen_before_is_sent_in_plotly_s_order_without_being_built(name, monkeypatch):
    """charts.Figure writes its dict without Plotly's constructor, in the key order a first figure of the same shape
    showed: a figure with other numbers must give the bytes Plotly's own build and to_dict give, and stay unbuilt."""
    import plotly.graph_objects as go
    import plotly.io as pio

    monkeypatch.setattr(charts, "_PLOTLY_ORDER", charts._PlotlyOrder())
    first = _every_builder_figure()[name]
    first.to_dict()  # learns the order from Plotly's own build
    spec = _every_builder_figure()[name]._spec
    # the traces' numbers shifted, the layout's fractions halved (Plotly checks a subplot axis' domain in [0, 1])
    spec = {"data": _numbers_changed(spec["data"], lambda v: v + 1),
            "layout": _numbers_changed(spec["layout"], lambda v: v / 2 if isinstance(v, float) else v)}
    fig = charts.Figure(copy.deepcopy(spec), _validate=False)
    sent = fig.to_dict()
    assert "_spec" in fig.__dict__, "to_dict built the figure"
    assert charts._PLOTLY_ORDER._orders, "no order was learned"
    assert False not in charts._PLOTLY_ORDER._orders.values()
    assert pio.to_json(sent, validate=False) == pio.to_json(go.Figure(spec, _validate=False).to_dict(), validate=False)


def test_charts_with_more_bars_share_the_learned_order_and_send_plotly_s_bytes(monkeypatch):
    """A list of plain values is shaped by its types, not its length: a chart of 5 bars after one of 3 is not built,
    and sends the bytes Plotly's own build would."""
    import plotly.graph_objects as go
    import plotly.io as pio

    monkeypatch.setattr(charts, "_PLOTLY_ORDER", charts._PlotlyOrder())
    for labels in (["A", "B", "C"], ["A", "B", "C", "D", "E"]):
        fig = charts.category_figure(pd.DataFrame({"label": labels, "victims": range(1, len(labels) + 1)}), "label",
                                     "Judul", "2024")
        spec = copy.deepcopy(fig._spec)
        sent = fig.to_dict()
        assert pio.to_json(sent, validate=False) == pio.to_json(go.Figure(spec, _validate=False).to_dict(),
                                                                validate=False)
    assert len(charts._PLOTLY_ORDER._orders) == 1


@pytest.mark.parametrize("array", [
    np.array([1, 2, 3]), np.array([-129, 5]), np.array([40000, -3]), np.array([2 ** 40, 1]), np.array([], dtype=int),
    np.array([1, 300], dtype=np.uint64), np.array([1.5, np.nan, 0.0]), np.array([1.5, 2.0], dtype=np.float32),
    np.arange(12).reshape(3, 4), np.arange(10)[::3], np.array([True, False]), np.array([1, 2], dtype=np.int16),
    np.array(["a", "b"], dtype=object), np.array([70000, 1], dtype=np.uint32),
])
def test_a_numpy_column_is_sent_as_plotly_s_own_typed_array(array):
    """charts._typed_array writes an array as Plotly's to_typed_array_spec does (narrowed integers, base64 bytes,
    shape), and leaves to Plotly what Plotly would not make a typed array; the array itself is not changed."""
    from _plotly_utils.utils import to_typed_array_spec

    before = array.copy()
    got, expected = charts._typed_array(array), to_typed_array_spec(copy.deepcopy(array))
    assert repr(got) == repr(expected)
    assert array.tobytes() == before.tobytes() and array.dtype == before.dtype


def test_an_unbuilt_figure_is_built_when_its_state_is_asked_for_and_equals_plotly_s():
    """Anything but to_dict (fig.data, fig.layout, update_layout, a copy) builds the figure first, as Plotly would."""
    import plotly.graph_objects as go

    fig = charts.category_figure(pd.DataFrame({"label": ["A", "B"], "victims": [3, 1]}), "label", "Judul", "2024")
    assert "_spec" in fig.__dict__
    spec = copy.deepcopy(fig._spec)
    expected = go.Figure(spec, _validate=False)
    assert fig.data == expected.data and fig.layout == expected.layout
    assert "_spec" not in fig.__dict__
    fig.update_layout(height=123)
    assert fig.to_dict()["layout"]["height"] == 123
    assert copy.deepcopy(charts.category_figure(pd.DataFrame({"label": ["A"], "victims": [1]}), "label", "J", "2024")
                         ).layout.title.text == "J"


def test_a_shape_whose_values_plotly_changes_is_always_built(monkeypatch):
    """A subplot axis is written through Plotly's own classes (a tuple becomes a list): the order learned from such
    a shape would not give Plotly's dict, so figures of that shape are built by Plotly each time."""
    import plotly.graph_objects as go

    monkeypatch.setattr(charts, "_PLOTLY_ORDER", charts._PlotlyOrder())
    for top in (1, 2):
        spec = {"data": [{"type": "bar", "x": [1, 2], "y": [3, top], "xaxis": "x2"}],
                "layout": {"xaxis2": {"range": (0, top), "anchor": "y"}, "template": charts._TEMPLATE_JSON}}
        got = charts.Figure(copy.deepcopy(spec), _validate=False).to_dict()
        assert repr(got) == repr(go.Figure(spec, _validate=False).to_dict())
    assert list(charts._PLOTLY_ORDER._orders.values()) == [False]


def test_the_figure_s_dict_is_plotly_s_for_arrays_in_lists_skipped_keys_and_numpy_scalars():
    """The cases the builders do not write today: a numpy array inside a list stays an array, one under a skipped
    key ('range') is not made a typed array, a pandas Series and numpy scalars are sent as Plotly sends them."""
    import numpy as np
    import plotly.graph_objects as go
    import plotly.io as pio

    data = [{"type": "bar", "x": np.array([1, 2, 3]), "y": pd.Series([1.5, 2.5, np.nan]),
             "customdata": [np.array([1, 2]), (np.array([3]), {"a": np.arange(3)})], "width": np.float64(0.5),
             "marker": {"color": np.array(["#000000", "#111111", "#222222"], dtype=object)}}]
    layout = {"xaxis": {"range": np.array([0.0, 4.0])}, "yaxis": {"range": [np.int64(0), np.int64(3)]},
              "height": np.int64(300), "template": charts._TEMPLATE_JSON}
    fig = charts.Figure({"data": data, "layout": layout}, _validate=False)
    expected = go.Figure.to_dict(fig)
    got = fig.to_dict()
    assert repr(got) == repr(expected)
    assert pio.to_json(got, validate=False) == pio.to_json(expected, validate=False)


STAFF_CHART_PAGES = ["pages/ringkasan.py", "pages/tren.py", "pages/wilayah.py", "pages/bentuk_tppo.py",
                     "pages/korban.py", "pages/perencanaan.py", "pages/kualitas_data.py", "pages/gugus_tugas.py"]


@pytest.mark.parametrize("page", STAFF_CHART_PAGES)
def test_every_staff_chart_on_the_demo_is_what_validation_would_make_of_it(demo_env, page):
    """_frame skips Plotly's validation; every chart a staff page sends to the browser must still be exactly the
    figure a validated build gives (a wrong key or value set in _frame fails here)."""
    import plotly.graph_objects as go
    from tests.test_url_grid import open_page

    at = open_page("operator", page, {"dari": "2024-01", "sampai": "2024-10"})
    assert not at.exception, [e.message for e in at.exception]
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert specs, "the page drew no chart"
    for spec in specs:
        assert spec == json.loads(go.Figure(spec).to_json())


@pytest.mark.parametrize("page", ["pages/publik.py", "pages/publik_tren.py", "pages/publik_wilayah.py",
                                  "pages/publik_bentuk.py"])
def test_every_public_chart_on_the_demo_is_what_validation_would_make_of_it(demo_env, page):
    import plotly.graph_objects as go
    from app import auth
    from tests.test_url_grid import open_page

    at = open_page(auth.PUBLIC, page, {})
    assert not at.exception, [e.message for e in at.exception]
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert specs, "the page drew no chart"
    for spec in specs:
        assert spec == json.loads(go.Figure(spec).to_json())


def test_no_subtitle_line_is_wider_than_half_a_page():
    """Plotly cuts a subtitle line at the chart's right edge, and half-width charts show ~55 characters: long lines
    are broken after a '; ', a ', ' or a space, and the figure grows by the lines added (the plot keeps its height)."""
    figures = {**_every_builder_figure(), **{name: fig for name, (fig, _) in _small_count_figures().items()}}
    for name, fig in figures.items():
        lines = fig.layout.title.subtitle.text.split("<br>")
        assert max(len(line) for line in lines) <= charts.SUBTITLE_LINE_CHARACTERS, (name, lines)
    source = f"Sumber: {charts.default_source()}"
    assert len(source) > charts.SUBTITLE_LINE_CHARACTERS  # the region's source line is one that needs breaking
    funnel = figures["funnel"]  # its note is two lines, then period and source: four lines unbroken
    added = len(funnel.layout.title.subtitle.text.split("<br>")) - 4
    assert added > 0 and funnel.layout.height == max(300, 36 * 4 + 170) + 20 * added


def test_the_template_read_from_plotly_s_file_is_the_validated_template_key_for_key():
    """charts' template is read from plotly's plotly_white.json (building ``pio.templates`` took 0.1–0.2 s of the
    first chart): it must be what the validated template object writes, keys in the same order (the JSON sent to the
    browser is then byte-identical)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    white = pio.templates["plotly_white"]
    validated = go.layout.Template(layout=white.layout,
                                   data={kind: getattr(white.data, kind) for kind in charts.TEMPLATE_TRACES})
    assert json.dumps(charts._TEMPLATE_JSON) == json.dumps(validated.to_plotly_json())
    assert set(charts._TEMPLATE_JSON["data"]) == {"bar", "scatter", "heatmap"}


def test_the_form_by_kecamatan_cells_are_the_pivot_table_s():
    """form_districts_figure sums its cells in Python: they must be pandas' pivot_table of the same rows, repeated
    (kecamatan, bentuk) rows summed, every kecamatan of the region a row (zeros included), in the region's order
    bottom-up, and the forms present in vocabulary order."""
    import numpy as np

    first, second, third = (d.name for d in vocab.districts()[:3])
    df = pd.DataFrame({"district": [second, first, second, first, third],
                       "label": ["Seksual", "Fisik", "Seksual", "Psikis", "Fisik"],
                       "victims": [5, 3, 8, 2, 0]})
    heatmap = charts.form_districts_figure(df, PERIOD).data[0]
    districts = [d.name for d in vocab.districts()][::-1]
    forms = [v.label for v in vocab.violence_types() if v.label in set(df["label"])]
    expected = (df.pivot_table(index="district", columns="label", values="victims", aggfunc="sum", fill_value=0)
                .reindex(index=districts, columns=forms, fill_value=0))
    assert list(heatmap.y) == districts and list(heatmap.x) == forms
    assert np.array_equal(np.asarray(heatmap.z), expected.to_numpy())
    assert np.asarray(heatmap.z)[districts.index(second), forms.index("Seksual")] == 13


def test_the_pyramid_s_bars_are_the_reindexed_rows():
    """pyramid_figure reads its rows in Python: each sex's bars must be pandas' rows of that sex reindexed on the
    age bands in the frame's order (a band missing for one sex drawn as 0), laki-laki negative, '?' left out."""
    import numpy as np

    df = pd.DataFrame({"age_band": ["0-5", "0-5", "0-5", "6-12", "13-17", "13-17"],
                       "sex": ["?", "L", "P", "P", "L", "P"], "victims": [4, 2, 7, 5, 1, 0]})
    fig = charts.pyramid_figure(df, PERIOD)
    bands = ["0-5", "6-12", "13-17"]
    for trace, sex, sign in zip(fig.data, ("L", "P"), (-1, 1)):
        expected = df[df["sex"] == sex].set_index("age_band")["victims"].reindex(bands, fill_value=0)
        assert list(trace.y) == bands
        assert np.array_equal(np.asarray(trace.customdata), expected.to_numpy())
        assert np.array_equal(np.asarray(trace.x), sign * expected.to_numpy())
    assert "4 korban tanpa jenis kelamin" in fig.layout.title.subtitle.text
