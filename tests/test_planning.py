"""Planning figures (issue 18): two periods, services, time to report, rates per 10,000, checked against SQL on the
contract view `victims` written here independently, and the pure charts built from them."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import replace

import pandas as pd
import pytest

from etl import template, vocab
from report import charts, compare, geography, queries
from report.queries import Filters

JAN_OCT = Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1))
PERIOD = "Januari–Oktober 2024"
IN_PERIOD = "duplicate_of IS NULL AND report_date >= ? AND report_date < ?"


def _bounds(f: Filters) -> list:
    return [f.start, f.end_exclusive]


def cases_by(con, f: Filters, key: str) -> dict[str, int]:
    rows = con.execute(f"SELECT k, count(DISTINCT case_key) FROM (SELECT case_key, {key} AS k FROM victims "
                       f"WHERE {IN_PERIOD}) GROUP BY k", _bounds(f)).fetchall()
    return dict(rows)


@pytest.mark.parametrize("table, key, column, names", [
    ("district_comparison", "district_code", "district_code",
     "SELECT district_code, district FROM ref_districts ORDER BY district_code"),
    ("form_comparison", "unnest(violence_types)", "violence_type",
     "SELECT violence_type, label FROM ref_violence_types ORDER BY sort_order"),
])
def test_two_period_counts_match_sql_on_the_view(demo_con, table, key, column, names):
    """Every kecamatan (form) in its order, zeros kept, with the cases of each period counted on the view."""
    baseline = Filters(dt.date(2022, 4, 1), dt.date(2023, 3, 1))
    result = queries.two_periods(demo_con, JAN_OCT, baseline)[table]
    now, before = cases_by(demo_con, JAN_OCT, key), cases_by(demo_con, baseline, key)
    assert [tuple(r) for r in result.iloc[:, :2].itertuples(index=False)] == demo_con.execute(names).fetchall()
    assert {r[column]: r["ini"] for _, r in result.iterrows() if r["ini"]} == now
    assert {r[column]: r["banding"] for _, r in result.iterrows() if r["banding"]} == before
    assert list(result.dtypes[2:]) == ["int64", "int64"]
    assert sum(now.values()) > 100


@pytest.mark.parametrize("f", [JAN_OCT, Filters(JAN_OCT.start, JAN_OCT.end, district_code="15.71.03"),
                               Filters(JAN_OCT.start, JAN_OCT.end, violence_type="tppo", include_duplicates=True),
                               Filters(dt.date(2031, 1, 1), dt.date(2031, 2, 1))], ids=repr)
def test_two_period_headlines_are_the_headline_of_each_period(demo_con, f):
    """two_periods counts its headlines in its own statement, with the rule headline uses (_headline_sql): the same
    frames, also with a comparison period overlapping the period and for months without data."""
    for baseline in (f.previous_year(), replace(f, start=queries.add_months(f.start, -3),
                                                end=queries.add_months(f.end, -3))):
        frames = queries.two_periods(demo_con, f, baseline)
        pd.testing.assert_frame_equal(frames["headline"], queries.headline(demo_con, f))
        pd.testing.assert_frame_equal(frames["headline_baseline"], queries.headline(demo_con, baseline))


def test_two_period_counts_keep_the_sidebar_filters(demo_con):
    f = Filters(JAN_OCT.start, JAN_OCT.end, violence_type="seksual", agency="UPTD_PPA")
    frames = queries.two_periods(demo_con, f, f.previous_year())
    result = frames["district_comparison"]
    expected = dict(demo_con.execute(f"""
        SELECT district_code, count(DISTINCT case_key) FROM victims
        WHERE {IN_PERIOD} AND list_contains(violence_types, 'seksual') AND agency = 'UPTD_PPA' GROUP BY 1""",
                                     _bounds(f)).fetchall())
    assert {r.district_code: r.ini for r in result.itertuples() if r.ini} == expected
    assert list(frames["form_comparison"]["violence_type"]) == ["seksual"]
    chosen = Filters(JAN_OCT.start, JAN_OCT.end, district_code="15.71.03")
    assert list(queries.two_periods(demo_con, chosen, chosen.previous_year())["district_comparison"]["district_code"]
                ) == ["15.71.03"]


@pytest.mark.parametrize("by, key", [("kecamatan", "district_code"), ("lembaga", "agency"),
                                     ("bentuk", "unnest(violence_types)"), ("semua", "'semua'")])
def test_service_shares_and_coverage_match_sql_on_the_view(demo_con, by, key):
    result = queries.service_coverage(demo_con, JAN_OCT, by)
    services = [c for c, _ in vocab.closed_lists()["service"]]
    for code in services[:3]:
        expected = dict(demo_con.execute(f"""
            SELECT k, count(*) FILTER (WHERE list_contains(services, ?)) FROM (
                SELECT {key} AS k, services FROM victims WHERE {IN_PERIOD}) GROUP BY k""",
                                         [code, *_bounds(JAN_OCT)]).fetchall())
        got = result[result["service"] == code]
        assert dict(zip(got["group_code"], got["penerima"])) == expected
    coverage = {k: (served, victims) for k, served, victims in demo_con.execute(f"""
        SELECT k, count(*) FILTER (WHERE len(services) > 0), count(*) FROM (
            SELECT {key} AS k, services FROM victims WHERE {IN_PERIOD}) GROUP BY k""", _bounds(JAN_OCT)).fetchall()}
    got = result[result["service"] == queries.ANY_SERVICE]
    assert {g: (p, k) for g, p, k in zip(got["group_code"], got["penerima"], got["korban"])} == coverage
    assert (got["share"] == got["penerima"] / got["korban"]).all()


def test_coverage_counts_a_victim_without_services_as_not_served(fixture_con):
    # the fixture database's victims carry no services: coverage 0, every share 0, victims still counted
    f = Filters(dt.date(2023, 1, 1), dt.date(2024, 10, 1))
    result = queries.service_coverage(fixture_con, f, "semua")
    assert result["korban"].iloc[0] > 0 and result["penerima"].sum() == 0


@pytest.mark.parametrize("by, key", [("lembaga", "agency"), ("bentuk", "unnest(violence_types)")])
def test_time_to_report_matches_quartiles_of_the_rows(demo_con, by, key):
    result = queries.reporting_delay(demo_con, JAN_OCT, by).set_index("group_code")
    rows = demo_con.execute(f"SELECT {key} AS k, incident_date, report_date FROM victims WHERE {IN_PERIOD}",
                            _bounds(JAN_OCT)).fetchall()
    days: dict[str, list[int]] = {}
    for k, incident, report in rows:
        days.setdefault(k, [])
        if incident is not None and incident <= report:
            days[k].append((report - incident).days)
    assert set(result.index) == set(days)
    for k, values in days.items():
        assert result.loc[k, "korban"] == sum(1 for r in rows if r[0] == k)
        assert result.loc[k, "dengan_tanggal"] == len(values)
        if len(values) >= 2:
            q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
            assert (result.loc[k, "q1"], result.loc[k, "median"], result.loc[k, "q3"]) == pytest.approx(
                (q1, median, q3))
    assert result["dengan_tanggal"].sum() > 100


def test_rates_per_10000_match_sql_on_the_view(demo_con):
    population = (("15.71.01", 52000, 26000, 15000), ("15.71.09", 98000, 49000, None))
    result = queries.district_rates(demo_con, JAN_OCT, population).set_index("district_code")
    counts = {code: (total, women, children) for code, total, women, children in demo_con.execute(f"""
        SELECT district_code, count(*), count(*) FILTER (WHERE sex = 'P'), count(*) FILTER (WHERE is_child)
        FROM victims WHERE {IN_PERIOD} GROUP BY 1""", _bounds(JAN_OCT)).fetchall()}
    total, women, children = counts["15.71.01"]
    assert result.loc["15.71.01", "korban_per_10rb"] == pytest.approx(total * 10000 / 52000)
    assert result.loc["15.71.01", "korban_perempuan_per_10rb"] == pytest.approx(women * 10000 / 26000)
    assert result.loc["15.71.01", "korban_anak_per_10rb"] == pytest.approx(children * 10000 / 15000)
    assert pd.isna(result.loc["15.71.09", "korban_anak_per_10rb"])  # no child population given
    assert pd.isna(result.loc["15.71.02", "korban_per_10rb"])  # not in the population table at all
    assert result.loc["15.71.02", "korban"] == counts["15.71.02"][0]


@pytest.fixture(scope="module")
def fixture_con(tmp_path_factory):
    import duckdb

    from tests.fixtures_db import build_fixture_db

    path = build_fixture_db(tmp_path_factory.mktemp("fixture") / "ppa.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


# ---------------------------------------------------------------------------------------------- population table

def test_population_template_lists_every_kecamatan_and_reads_back_once_filled(tmp_path, monkeypatch):
    path = template.write_population_template(tmp_path / "penduduk.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(template.POPULATION_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == [d.code for d in vocab.districts()]
    filled = [lines[0]] + [line.replace(",,,,,", ",12.345,6000,4000,2023,") for line in lines[1:]]
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    monkeypatch.setenv("PPA_POPULATION", str(path))
    table = geography.population_table()
    assert len(table.rows) == 11 and table.rows[0][1:] == (12345, 6000, 4000)
    assert table.year == 2023 and table.has("female") and table.has("child")
    assert table.citation() == "BPS, Kota Jambi Dalam Angka, tahun 2023"


def test_a_blank_population_template_is_a_clear_error(tmp_path, monkeypatch):
    path = template.write_population_template(tmp_path / "penduduk.csv")
    monkeypatch.setenv("PPA_POPULATION", str(path))
    with pytest.raises(geography.GeographyError, match="baris 2: kolom population kosong"):
        geography.population_table()


@pytest.mark.parametrize("text, message", [
    ("district_code,population\n15.71.99,100\n", "kode kecamatan '15.71.99' tidak dikenal"),
    ("district_code,population,year\n15.71.01,100,2022\n15.71.02,100,2023\n", "mencampur tahun"),
    ("district_code,population\n15.71.01,lima ribu\n", "bukan bilangan bulat"),
    ("kode,jumlah\n15.71.01,100\n", "tidak ada: district_code, population"),
])
def test_bad_population_tables_say_what_to_fix(tmp_path, monkeypatch, text, message):
    path = tmp_path / "penduduk.csv"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PPA_POPULATION", str(path))
    with pytest.raises(geography.GeographyError, match=message):
        geography.population_table()


def test_a_table_of_totals_only_has_no_female_or_child_rates_and_names_no_year(tmp_path, monkeypatch):
    path = tmp_path / "penduduk.csv"
    path.write_text("district_code,population\n15.71.01,52000\n", encoding="utf-8")
    monkeypatch.setenv("PPA_POPULATION", str(path))
    table = geography.population_table()
    assert not table.has("female") and not table.has("child")
    assert "tahun tidak disebutkan" in table.citation()


# ---------------------------------------------------------------------------------------------- charts

def test_comparison_chart_marks_only_likely_real_changes_and_names_its_unit():
    df = compare.comparison_table(pd.DataFrame({"label": ["A", "B"], "ini": [30, 11], "banding": [10, 6]}), 10, 10)
    fig = charts.comparison_figure(df, "label", "Kasus menurut bentuk, dua periode", PERIOD, "Januari–Oktober 2023")
    now = fig.data[-1]
    # rows are drawn bottom-up: B first, then A
    assert list(now.y) == ["B", "A"] and list(now.marker.color) == [charts.TOTAL_COLOUR, charts.LIKELY_REAL_COLOUR]
    assert fig.layout.xaxis.title.text == "Jumlah kasus"
    assert "kemungkinan nyata" in fig.layout.title.subtitle.text
    empty = compare.comparison_table(pd.DataFrame({"label": ["A"], "ini": [0], "banding": [0]}), 1, 1)
    assert charts.is_empty(charts.comparison_figure(empty, "label", "x", PERIOD, "y"))


def test_service_chart_is_bars_for_one_group_and_a_grid_for_several(demo_con):
    one = charts.service_figure(queries.service_coverage(demo_con, JAN_OCT, "semua"), "Layanan", PERIOD)
    assert one.data[0].type == "bar" and one.data[0].y[-1] == "Layanan apa pun (cakupan)"
    assert one.layout.xaxis.title.text == "Persentase korban (%)"
    grid = charts.service_figure(queries.service_coverage(demo_con, JAN_OCT, "lembaga"), "Layanan", PERIOD)
    assert grid.data[0].type == "heatmap" and len(grid.data[0].y) == 4
    assert all("korban" in label for label in grid.data[0].y)
    table = charts.service_display(queries.service_coverage(demo_con, JAN_OCT, "lembaga"), "Lembaga")
    assert list(table.columns[:3]) == ["Lembaga", "Korban", "Layanan apa pun (cakupan)"]


def _service_table_by_pivot(df: pd.DataFrame, group_header: str) -> pd.DataFrame:
    """The service table as pandas' pivot and reindex make it (what the page showed before it was built from a
    dict)."""
    from report import format as fmt
    cells = df.assign(cell=[f"{fmt.percent(s)} ({fmt.number(int(n))})" for s, n in zip(df["share"], df["penerima"])])
    table = cells.pivot(index="group_label", columns="service_label", values="cell")
    table = table.reindex(index=list(dict.fromkeys(df["group_label"])),
                          columns=list(dict.fromkeys(df["service_label"])))
    victims = df.drop_duplicates("group_label").set_index("group_label")["korban"]
    table.insert(0, "Korban", [fmt.number(int(victims[g])) for g in table.index])
    return table.rename_axis(group_header).reset_index()


@pytest.mark.parametrize("by", list(queries.PLANNING_GROUPS))
def test_the_service_table_is_the_pivot_of_its_cells(demo_con, by):
    """Values, order of groups and services, empty cells where a (group, service) has no row, column types and the
    columns' name: the same frame as pandas' pivot; two rows for one cell raise, as the pivot does."""
    for f in (JAN_OCT, Filters(dt.date(2024, 3, 1), dt.date(2024, 3, 1), district_code="15.71.09")):
        df = queries.service_coverage(demo_con, f, by)
        holes = df.iloc[[i for i in range(len(df)) if i % 5 != 3]]  # some (group, service) without a row
        for frame in (df, holes, holes.iloc[::-1]):
            pd.testing.assert_frame_equal(charts.service_display(frame, "Kelompok"),
                                          _service_table_by_pivot(frame, "Kelompok"))
    with pytest.raises(ValueError):
        charts.service_display(pd.concat([df, df.iloc[:1]]), "Kelompok")


def test_delay_chart_counts_days_and_leaves_out_groups_without_dates(demo_con):
    delays = queries.reporting_delay(demo_con, JAN_OCT, "lembaga")
    fig = charts.delay_figure(delays, "Waktu lapor", PERIOD)
    assert fig.layout.xaxis.title.text == "Hari dari kejadian sampai lapor"
    assert all("(n=" in label for label in fig.data[-1].y)
    none = delays.assign(dengan_tanggal=0)
    assert charts.delay_figure(none, "Waktu lapor", PERIOD).layout.annotations[0].text.startswith("Tidak ada korban")


def test_rate_chart_and_table_show_the_denominator(demo_con):
    rates = queries.district_rates(demo_con, JAN_OCT, (("15.71.01", 52000, 26000, 15000),))
    fig = charts.rate_figure(rates, "korban_anak_per_10rb", PERIOD, "BPS, tahun 2023")
    assert list(fig.data[0].y) == ["Telanaipura"] and "penyebut: BPS, tahun 2023" in fig.layout.title.subtitle.text
    table = charts.rates_display(rates)
    assert table.loc[0, "Penduduk"] == "52.000" and table.loc[1, "Penduduk"] == "–"
