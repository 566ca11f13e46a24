"""The two-period verdict: the exact conditional test of two Poisson counts, and the sentences that use it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from math import comb

import pandas as pd
import pytest

from report import briefing, compare, sentences
from report import format as fmt
from report.queries import Filters


def exact_p(current: int, previous: int, share: float = 0.5) -> float:
    """Two-sided p-value of the binomial test by hand: outcomes no likelier than the one observed."""
    n = current + previous
    probs = [comb(n, k) * share ** k * (1 - share) ** (n - k) for k in range(n + 1)]
    return sum(p for p in probs if p <= probs[current] * (1 + 1e-7))


@pytest.mark.parametrize("current, previous", [(11, 6), (6, 11), (30, 10), (5, 20), (149, 77), (3, 0)])
def test_p_value_is_the_exact_binomial_one(current, previous):
    assert compare.compare_counts(current, previous).p_value == pytest.approx(exact_p(current, previous), rel=1e-6)


def test_a_rise_of_83_percent_on_small_counts_is_within_chance():
    verdict = compare.compare_counts(11, 6)
    assert not verdict.beyond_chance and verdict.direction == "naik"
    assert verdict.words == "masih dalam batas variasi biasa"
    assert compare.change_sentence(11, 6) == "naik 83%, masih dalam batas variasi biasa"


def test_a_tripling_is_a_likely_real_rise_and_a_quartering_a_likely_real_fall():
    assert compare.compare_counts(30, 10).words == "kenaikan yang kemungkinan nyata"
    assert compare.compare_counts(5, 20).words == "penurunan yang kemungkinan nyata"
    assert compare.change_sentence(5, 20) == "turun 75%, penurunan yang kemungkinan nyata"


def test_periods_of_different_length_compare_rates_per_month():
    # 20 cases in 10 months against 12 in 6 months: 2.0 a month both times
    same_rate = compare.compare_counts(20, 12, current_months=10, previous_months=6)
    assert same_rate.p_value == pytest.approx(exact_p(20, 12, 10 / 16), rel=1e-6)
    assert not same_rate.beyond_chance
    assert compare.compare_counts(20, 12).p_value < same_rate.p_value


def test_no_cases_in_either_period_is_not_judged_and_bad_input_is_refused():
    assert compare.compare_counts(0, 0).words.startswith("belum dapat dinilai")
    assert compare.change_sentence(0, 0) == "tetap"
    with pytest.raises(ValueError):
        compare.compare_counts(-1, 3)


def test_comparison_table_adds_change_and_verdict_per_row():
    table = compare.comparison_table(pd.DataFrame({"name": ["A", "B"], "ini": [30, 11], "banding": [10, 6]}), 10, 10)
    assert list(table["selisih"]) == [20, 5]
    assert list(table["perubahan"]) == ["naik 200%", "naik 83%"]
    assert list(table["penilaian"]) == ["kenaikan yang kemungkinan nyata", "masih dalam batas variasi biasa"]
    assert list(table["nyata"]) == [True, False]


def headline(kasus, tppo=0):
    return pd.DataFrame([{"kasus": kasus, "korban": kasus, "kasus_tppo": tppo, "korban_tppo": tppo,
                          "korban_anak": 0}])


def test_the_ringkasan_headline_says_whether_the_rise_is_beyond_chance():
    small = sentences.headline_sentence(headline(11), headline(6), "Januari 2024", "Januari 2023")
    assert small.endswith("jumlah kasus naik 83%: masih dalam batas variasi biasa.")
    large = sentences.headline_sentence(headline(30), headline(10), "Januari 2024", "Januari 2023")
    assert large.endswith("jumlah kasus naik 200%: kenaikan yang kemungkinan nyata.")


def test_the_briefing_headline_and_tppo_point_use_the_same_verdict():
    f = Filters(dt.date(2024, 1, 1), dt.date(2024, 10, 1))
    text = briefing.headline_sentence(f, 11, 2, 6, "Januari–Oktober 2023")
    assert text.endswith("naik 83% dibanding Januari–Oktober 2023 (6 kasus), masih dalam batas variasi biasa.")
    months = pd.DataFrame({"month": [dt.date(2024, 1, 1)], "kasus": [1]})
    point = briefing.tppo_point(headline(30, 30), headline(10, 10), months, "Januari–Oktober 2023")
    assert "naik 200% dibanding Januari–Oktober 2023 (10 kasus), kenaikan yang kemungkinan nyata" in point


def test_the_public_headline_says_the_same_verdict_from_the_release_figures():
    from report import disclosure as dc
    from report import release

    def public(now: int, before: int) -> str:
        count = dc.protect_total
        period = dc.parse_period("2024-T1")
        return sentences.public_headline_sentence(release.Headline(
            period, count(now), count(now), count(0), count(0), {"kasus": count(before)}))

    assert public(11, 6).endswith("(6 kasus), jumlah kasus naik 83%: masih dalam batas variasi biasa.")
    assert public(30, 10).endswith("(10 kasus), jumlah kasus naik 200%: kenaikan yang kemungkinan nyata.")
    assert public(12, 12).endswith("jumlah kasus tetap.")
    assert "Dibanding" not in public(30, 3)  # a hidden count (<5) is never compared


# ------------------------------------------------------------- the p-value without SciPy, checked against SciPy

GRID = [(c, p) for c in (0, 1, 2, 3, 5, 8, 13, 21, 34, 55) for p in (0, 1, 2, 4, 7, 12, 20, 33, 54)]
MONTHS = [(1, 1), (10, 10), (10, 6), (3, 12), (1, 11), (7, 5)]


@pytest.mark.parametrize("current_months, previous_months", MONTHS)
def test_pure_python_p_value_equals_scipy_binomtest_on_a_grid(current_months, previous_months):
    from scipy.stats import binomtest

    share = current_months / (current_months + previous_months)
    cases = GRID + [(149, 77), (96, 117), (22, 9), (300, 340), (812, 760), (2500, 2380)]
    for current, previous in cases:
        n = current + previous
        if n == 0:
            continue
        expected = float(binomtest(current, n, share).pvalue)
        got = compare.binomial_two_sided_p(current, n, share)
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-300), (current, previous, share)
        verdict = compare.compare_counts(current, previous, current_months, previous_months)
        assert verdict.beyond_chance == (expected < compare.ALPHA), (current, previous, share)


def test_ties_on_the_other_side_of_the_mode_count_as_likely_as_the_observed():
    # p = 1/2: k and n - k are equally likely; binomtest adds both tails, the 1e-7 tolerance absorbs rounding
    from scipy.stats import binomtest

    for current, previous in ((7, 3), (3, 7), (40, 60)):
        n = current + previous
        assert compare.binomial_two_sided_p(current, n, 0.5) == pytest.approx(
            2 * sum(comb(n, k) for k in range(min(current, previous) + 1)) / 2 ** n, rel=1e-12)
        assert compare.binomial_two_sided_p(current, n, 0.5) == pytest.approx(binomtest(current, n).pvalue,
                                                                             rel=1e-12)
    assert compare.binomial_two_sided_p(5, 10, 0.5) == 1.0


@pytest.mark.parametrize("share", [0.5, 10 / 16, 1 / 12])
def test_large_totals_get_binomtest_s_p_value_too(share):
    # a kecamatan at a million victims compares ~7,400 cases with ~7,400: summed from the tails' edges outward
    from scipy.stats import binomtest

    for current, previous in ((7446, 7357), (7357, 7446), (6000, 6001), (12000, 9000), (3, 29000), (29000, 3),
                              (40000, 40000), (52000, 48000)):
        n = current + previous
        expected = float(binomtest(current, n, share).pvalue)
        assert compare.binomial_two_sided_p(current, n, share) == pytest.approx(expected, rel=1e-9, abs=1e-300)
        assert compare.compare_counts(current, previous).beyond_chance == (
            float(binomtest(current, n, 0.5).pvalue) < compare.ALPHA)


def test_importing_the_verdict_does_not_import_scipy(repo_root):
    # SciPy takes 1-3 s to import: the paparan command and the pages that only judge changes never pay for it, not
    # even for a total of thousands of cases (a kecamatan at a million victims)
    code = ("import sys; import report.compare, report.briefing, report.exports.bundle; "
            "from report import compare; compare.compare_counts(149, 77); compare.compare_counts(7446, 7357); "
            "print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _table_by_assignments(df, current_months, previous_months):
    """comparison_table as it was written before (four column assignments on a copy): the frame to match."""
    verdicts = [compare.compare_counts(c, p, current_months, previous_months) for c, p in zip(df["ini"], df["banding"])]
    out = df.copy()
    out["selisih"] = out["ini"].astype(int) - out["banding"].astype(int)
    out["perubahan"] = [fmt.change(int(c), int(p)) for c, p in zip(df["ini"], df["banding"])]
    out["nyata"] = [v.beyond_chance for v in verdicts]
    out["penilaian"] = [v.words for v in verdicts]
    return out


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"district_code": ["15.71.01"], "district": ["Kota Baru"], "ini": [7601], "banding": [7388]}),
    pd.DataFrame({"label": ["A", "B", "C"], "ini": [30, 11, 0], "banding": [10, 6, 0]}, index=[4, 2, 9]),
    pd.DataFrame({"label": pd.Series([], dtype="str"), "ini": pd.Series([], dtype="int64"),
                  "banding": pd.Series([], dtype="int64")}),
])
def test_the_comparison_table_is_the_frame_column_assignments_made(frame):
    """The table is made in one join: the same columns, values, dtypes and index as the assignments gave."""
    pd.testing.assert_frame_equal(compare.comparison_table(frame, 10, 12), _table_by_assignments(frame, 10, 12))
