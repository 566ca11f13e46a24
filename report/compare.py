"""Whether a change between two periods is beyond chance, said in plain Indonesian (never as a bare p-value).

Counts of reported cases are treated as Poisson. Given the total of both periods, the current period's count is
binomial with p = t1 / (t1 + t0), where t are the periods' lengths in months (the exact conditional test for two
Poisson counts, Przyborowski and Wilenski 1940). A two-sided p-value under ``ALPHA`` makes the change "likely real".
With ~150 cases a year most rises of a kecamatan or a form are within ordinary variation, and the sentences say so.

The p-value is scipy.stats.binomtest's two-sided one, computed here in pure Python (SciPy takes 1-3 s to import,
more than everything else a paparan computes, and a page's first kecamatan at a million rows paid it).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp, lgamma, log, log1p

import pandas as pd

from report import format as fmt

ALPHA = 0.05
WITHIN_CHANCE = "masih dalam batas variasi biasa"
LIKELY_RISE = "kenaikan yang kemungkinan nyata"
LIKELY_FALL = "penurunan yang kemungkinan nyata"
NO_DATA = "belum dapat dinilai (tidak ada kasus pada kedua periode)"
RELATIVE_TOLERANCE = 1 + 1e-7  # binomtest's: outcomes this close to the observed probability count as "as likely"
NEGLIGIBLE = 1e-17  # a tail's sum stops where all its further terms together are below this share of the sum


def binomial_two_sided_p(k: int, n: int, p: float) -> float:
    """The two-sided p-value of k successes in n trials with success probability p (0 < p < 1), as
    ``scipy.stats.binomtest(k, n, p).pvalue``: the total probability of the outcomes no likelier than k.

    The probabilities rise to the mode and fall after it, so the outcomes no likelier than k are two tails, [0, a]
    and [b, n]; a and b are found by bisection and each tail is summed outward from its edge until the rest is
    negligible, each term from the one before (a few hundred products where a sum of n + 1 terms cost ~1 ms per
    thousand cases)."""
    if k == p * n:
        return 1.0
    log_p, log_q, log_n = log(p), log1p(-p), lgamma(n + 1)

    def pmf(i: int) -> float:
        return exp(log_n - lgamma(i + 1) - lgamma(n - i + 1) + i * log_p + (n - i) * log_q)

    bound = pmf(k) * RELATIVE_TOLERANCE
    mode = min(n, int((n + 1) * p))
    low, high = (k, mode) if k <= mode else (-1, mode)  # a: the last outcome <= mode no likelier than k
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if pmf(middle) <= bound else (low, middle - 1)
    last_of_left = low
    low, high = (mode + 1, k) if k > mode else (mode + 1, n + 1)  # b: the first outcome > mode no likelier than k
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if pmf(middle) <= bound else (middle + 1, high)
    first_of_right = low

    def tail(edge: int, step: int, end: int) -> float:
        total, i, term = 0.0, edge, pmf(edge)
        while i != end:
            total += term
            # the next term is this one times the ratio, which only shrinks further out: the rest is < term·r/(1-r)
            ratio = (i * (1 - p)) / ((n - i + 1) * p) if step < 0 else ((n - i) * p) / ((i + 1) * (1 - p))
            if ratio < 1 and term * ratio / (1 - ratio) <= total * NEGLIGIBLE:  # (an underflowed 0 ends it too)
                break
            term *= ratio
            i += step
        return total

    left = tail(last_of_left, -1, -1) if last_of_left >= 0 else 0.0
    right = tail(first_of_right, 1, n + 1) if first_of_right <= n else 0.0
    return min(1.0, left + right)


@dataclass(frozen=True)
class Verdict:
    """Two counts, the exact test's two-sided p-value and what it means in words."""

    current: int
    previous: int
    p_value: float
    beyond_chance: bool

    @property
    def direction(self) -> str:
        """'naik', 'turun' or 'tetap'."""
        return "naik" if self.current > self.previous else "turun" if self.current < self.previous else "tetap"

    @property
    def words(self) -> str:
        """'kenaikan yang kemungkinan nyata', 'penurunan yang kemungkinan nyata' or 'masih dalam batas variasi biasa'."""
        if self.current == 0 and self.previous == 0:
            return NO_DATA
        if not self.beyond_chance:
            return WITHIN_CHANCE
        return LIKELY_RISE if self.direction == "naik" else LIKELY_FALL


def compare_counts(current: int, previous: int, current_months: int = 1, previous_months: int = 1,
                   alpha: float = ALPHA) -> Verdict:
    """The exact conditional binomial test of two Poisson counts observed over the given numbers of months."""
    current, previous = int(current), int(previous)
    if current < 0 or previous < 0 or current_months <= 0 or previous_months <= 0:
        raise ValueError("jumlah dan panjang periode harus positif")
    total = current + previous
    if total == 0:
        return Verdict(current, previous, 1.0, False)
    share = current_months / (current_months + previous_months)
    p_value = binomial_two_sided_p(current, total, share)
    return Verdict(current, previous, p_value, p_value < alpha)


def change_sentence(current: int, previous: int, current_months: int = 1, previous_months: int = 1) -> str:
    """'naik 94%, kenaikan yang kemungkinan nyata' or 'naik 83%, masih dalam batas variasi biasa' (or 'tetap')."""
    change = fmt.change(current, previous)
    if change == "tetap":
        return change
    return f"{change}, {compare_counts(current, previous, current_months, previous_months).words}"


def comparison_table(df: pd.DataFrame, current_months: int, previous_months: int) -> pd.DataFrame:
    """Adds perubahan (words), selisih and penilaian (the verdict) to a frame with columns ``ini`` and ``banding``.

    The four columns are made as one frame and joined once: four column assignments on a copy cost ~1.5 ms a
    table, Tren and Perencanaan draw two a rerun (tests/test_compare.py: the frame the assignments made)."""
    now, before = df["ini"].tolist(), df["banding"].tolist()
    verdicts = [compare_counts(c, p, current_months, previous_months) for c, p in zip(now, before)]
    added = pd.DataFrame({
        "selisih": df["ini"].to_numpy().astype(int) - df["banding"].to_numpy().astype(int),
        "perubahan": [fmt.change(int(c), int(p)) for c, p in zip(now, before)],
        "nyata": [v.beyond_chance for v in verdicts],
        "penilaian": [v.words for v in verdicts],
    }, index=df.index)
    return pd.concat([df, added], axis=1)


def months_between(start, end) -> int:
    """Number of months from start's month to end's month, inclusive."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def period_sentence(current: int, previous: int, period: str, baseline_period: str, current_months: int,
                    previous_months: int, unit: str = "kasus") -> str:
    """'Januari–Oktober 2024: 149 kasus; Januari–Oktober 2023: 77 kasus. Naik 94%: kenaikan yang kemungkinan nyata.'"""
    text = (f"{period}: {fmt.number(current)} {unit}; {baseline_period}: {fmt.number(previous)} {unit}.")
    if current_months != previous_months:
        # periods of different length are compared per month
        per_now, per_before = current / current_months, previous / previous_months
        text += (f" Rata-rata per bulan {fmt.number(per_now, 1)} dibanding {fmt.number(per_before, 1)} {unit}.")
    verdict = compare_counts(current, previous, current_months, previous_months)
    if verdict.current == 0 and verdict.previous == 0:
        return f"{text} Perubahan {verdict.words}."
    if current_months == previous_months:
        change = fmt.change(current, previous)
    else:
        change = fmt.change(round(per_now * 1000), round(per_before * 1000)) if per_before else "naik dari 0"
    if change == "tetap":
        return f"{text} {'Jumlahnya' if current_months == previous_months else 'Rata-ratanya'} tetap."
    return f"{text} {change[0].upper()}{change[1:]}: {verdict.words}."
