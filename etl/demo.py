"""Synthetic demo data: official-template submissions from several agencies, Jan 2019 – Oct 2024, loaded for real.

The cases are invented (random.Random(42)) for whatever region data/reference names (region.toml, districts.csv,
agencies.csv). For Kota Jambi (code 15.71) they are calibrated to its published figures in DOMAIN.md, counted as
the views' contract says (cases = distinct case_key over victims with duplicate_of IS NULL, by report date):
96 cases in 2023; 117 in Jan–Aug 2024 with the published kecamatan split; 149 in Jan–Oct 2024, 22 of them TPPO.
Another region gets the same figures scaled to its number of kecamatan (Kota Jambi has 11), spread over its own
kecamatan.
Some victims are also reported by a second, lower-priority agency (planted duplicates, which dedupe must find);
the generator nudges ages until no other pair of records satisfies the duplicate rule, so nothing is paired by
chance. Recaps (RSUD, PUSKESMAS) never change case counts. Every file says "DATA CONTOH SINTETIS" in its title.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

from etl import db as dbmod
from etl import vocab, writer
from etl.dedupe import MAX_AGE_GAP, MAX_GAP_DAYS
from etl.load import LoadReport, load_files
from etl.model import EtlError
from etl.template import (SYNTHETIC_MARK, PerpetratorEntry, RecapMonth, RegisterEntry, TppoEntry, month_name,
                          write_recap, write_register)

SEED = 42
FIRST_MONTH = dt.date(2019, 1, 1)
LAST_MONTH = dt.date(2024, 10, 1)
SAMPLES_DIR = "samples"
FILE_PREFIX = "contoh-"

# published figures the demo reproduces (DOMAIN.md)
CASES_PER_YEAR = {2019: 68, 2020: 74, 2021: 81, 2022: 88, 2023: 96}
CASES_JAN_AUG_2024_TOTAL = 117
# Kota Jambi's published kecamatan split of Jan–Aug 2024, by Kemendagri code (names live in districts.csv)
CALIBRATED_REGION = "15.71"
CASES_JAN_AUG_2024 = {"15.71.09": 29, "15.71.07": 18, "15.71.11": 16, "15.71.03": 13, "15.71.01": 12,
                      "15.71.08": 12, "15.71.02": 8, "15.71.10": 7, "15.71.05": 1, "15.71.06": 1, "15.71.04": 0}
CASES_SEP_OCT_2024 = 149 - 117
TPPO_CASES_JAN_OCT_2024 = 22

# how each register agency files: months per submission, and share of the cases it holds the primary record for
REGISTER_AGENCIES = {"UPTD_PPA": (1, 0.55), "POLRESTA": (3, 0.25), "DINSOS": (3, 0.10), "LSM": (6, 0.10)}
RECAP_AGENCIES = {"RSUD": 3, "PUSKESMAS": 3}
TEXT_DATE_AGENCIES = {"DINSOS"}       # this agency types dates as text, as people do
PROBLEM_AGENCY, PROBLEM_MONTH = "DINSOS", dt.date(2024, 5, 1)   # its file for this month carries typing mistakes
PLANTED_SHARE = 0.12


@dataclass
class DemoVictim:
    """One synthetic victim; ``identity`` is shared by the records of the same person in two agencies."""

    identity: int
    sex: str
    age: int | None
    forms: tuple[str, ...]
    subdistrict: str | None
    place: str | None
    relationship: str | None
    services: tuple[str, ...]
    incident_date: dt.date | None


@dataclass
class DemoPerpetrator:
    """One synthetic perpetrator of a case: sex, age (None: unknown) and relationship code to the victim."""

    sex: str
    age: int | None
    relationship: str | None


@dataclass
class DemoCase:
    """One case as one agency registered it (several victims, one kecamatan, one report date)."""

    agency: str
    ref: str
    report_date: dt.date
    district_code: str
    victims: list[DemoVictim]
    planted_from: "DemoCase | None" = None    # the primary case this record copies (a planted duplicate)
    notes: str | None = None
    perpetrators: list[DemoPerpetrator] = field(default_factory=list)

    @property
    def is_tppo(self) -> bool:
        return any("tppo" in v.forms for v in self.victims)


@dataclass
class DemoPlan:
    """Everything the demo writes: primary cases, planted copies, recap months."""

    cases: list[DemoCase]
    copies: list[DemoCase]
    recaps: dict[str, list[RecapMonth]] = field(default_factory=dict)
    # issue 23 (case_details): (agency, ref) -> (stage label, stage date); (agency, ref, identity) -> TPPO block
    stages: dict[tuple[str, str], tuple[str, dt.date]] = field(default_factory=dict)
    tppo: dict[tuple[str, str, int], TppoEntry] = field(default_factory=dict)

    def planted_pairs(self) -> set[tuple[str, str, str, str, str, int]]:
        """(copy agency, copy ref, primary agency, primary ref, sex, primary age) for every planted duplicate."""
        pairs = set()
        for copy in self.copies:
            primary = copy.planted_from
            for v in primary.victims:
                pairs.add((copy.agency, copy.ref, primary.agency, primary.ref, v.sex, v.age))
        return pairs


def register_agencies() -> dict[str, tuple[int, float]]:
    """The demo's register agencies that the reference folder's agencies.csv lists (a region may have fewer)."""
    known = set(vocab.agency_codes())
    found = {a: plan for a, plan in REGISTER_AGENCIES.items() if a in known}
    if not found:
        raise EtlError(f"Data contoh: agencies.csv harus memuat minimal satu lembaga register "
                       f"({', '.join(REGISTER_AGENCIES)}).")
    return found


def recap_agencies() -> dict[str, int]:
    """The demo's recap agencies that agencies.csv lists."""
    known = set(vocab.agency_codes())
    return {a: months for a, months in RECAP_AGENCIES.items() if a in known}


CALIBRATED_DISTRICTS = 11


def is_calibrated() -> bool:
    """Whether the configured region is Kota Jambi with its 11 kecamatan (the published figures apply)."""
    codes = {d.code for d in vocab.districts()}
    return vocab.region().code == CALIBRATED_REGION and codes == set(CASES_JAN_AUG_2024)


def scaled(count: int) -> int:
    """A published count for the configured region: as published for Kota Jambi, else scaled by kecamatan."""
    if is_calibrated():
        return count
    return max(1, round(count * len(vocab.districts()) / CALIBRATED_DISTRICTS))


def jan_aug_split() -> dict[str, int]:
    """Cases of Jan–Aug 2024 per kecamatan code: Kota Jambi's published split, or an invented one elsewhere."""
    codes = [d.code for d in vocab.districts()]
    if not codes:
        raise EtlError("Data contoh: districts.csv di folder rujukan belum berisi kecamatan.")
    if is_calibrated():
        return dict(CASES_JAN_AUG_2024)
    rng = random.Random(f"{SEED}:{vocab.region().code}")
    weights = [1 + rng.random() * 3 for _ in codes]
    total = scaled(CASES_JAN_AUG_2024_TOTAL)
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(codes)), key=lambda i: raw[i] - counts[i], reverse=True)[
            : total - sum(counts)]:
        counts[i] += 1
    return dict(zip(codes, counts))


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _days_in(month: dt.date) -> int:
    return ((month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - month).days


def _spread(rng: random.Random, total: int, months: list[dt.date]) -> dict[dt.date, int]:
    """Split a yearly count over months with a mild seasonality, exactly summing to total."""
    weights = [1.0 + 0.25 * ((m.month in (3, 4, 7, 8, 11, 12)) - 0.5) + rng.random() * 0.4 for m in months]
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(months)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return dict(zip(months, counts))


class _Refs:
    """Each agency's own register numbering, per year."""

    def __init__(self) -> None:
        self.next: dict[tuple[str, int], int] = {}

    def new(self, agency: str, date: dt.date) -> str:
        key = (agency, date.year)
        n = self.next.get(key, 1)
        self.next[key] = n + 1
        roman = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")[date.month - 1]
        return {
            "UPTD_PPA": f"UPTD/{date.year}/{n:03d}",
            "POLRESTA": f"LP/B/{n:03d}/{roman}/{date.year}/SPKT",
            "DINSOS": f"DS-{date.year}-{n:03d}",
            "LSM": f"LSM/{date.year % 100:02d}/{n:03d}",
        }.get(agency, f"{agency}/{date.year}/{n:03d}")


class _Generator:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        # perpetrators, service gaps and reporting delays draw from their own stream, so the calibrated calendar
        # of cases (drawn from self.rng) is the same with or without them
        self.planning = _PlanningDetails(random.Random(f"{seed}:pelaku-layanan-tanggal"))
        self.refs = _Refs()
        self.identity = 0
        self.split = jan_aug_split()
        self.kelurahan: dict[str, list[str]] = {}
        for s in vocab.subdistricts():
            self.kelurahan.setdefault(s.district_code, []).append(s.name)
        lists = vocab.closed_lists()
        self.place_codes = {code for code, _ in lists.get("place_of_incident", ())}
        self.relationship_codes = {code for code, _ in lists.get("relationship", ())}
        self.service_codes = [code for code, _ in lists.get("service", ())]
        self.form_codes = {v.code for v in vocab.violence_types()}

    # -- victims --------------------------------------------------------------------------------------------
    def _pick(self, options: list[tuple[object, float]]):
        values, weights = zip(*options)
        return self.rng.choices(values, weights=weights)[0]

    def _place(self, *codes: str) -> str | None:
        allowed = [c for c in codes if c in self.place_codes]
        return self.rng.choice(allowed) if allowed else None

    def _relationship(self, *codes: str) -> str | None:
        allowed = [c for c in codes if c in self.relationship_codes]
        return self.rng.choice(allowed) if allowed else None

    def _profile(self, kind: str) -> tuple[str, int, tuple[str, ...], str | None, str | None]:
        """(sex, age, forms, place, relationship) typical of a kind of case."""
        r = self.rng
        if kind == "tppo":
            sex = "P" if r.random() < 0.85 else "L"
            age = r.randint(14, 28)
            forms = ("tppo",) + (("eksploitasi",) if r.random() < 0.4 else ()) + (("seksual",) if r.random() < 0.2 else ())
            return sex, age, forms, self._place("tempat_kerja", "fasilitas_umum", "lainnya"), \
                self._relationship("pacar_teman", "majikan", "lainnya", "tidak_diketahui")
        if kind == "seksual_anak":
            sex = "P" if r.random() < 0.85 else "L"
            return sex, r.randint(4, 17), ("seksual",) + (("psikis",) if r.random() < 0.25 else ()), \
                self._place("rumah_tangga", "rumah_tangga", "fasilitas_umum", "sekolah", "lembaga_pendidikan_kilat",
                            "lainnya"), \
                self._relationship("keluarga", "tetangga", "pacar_teman", "guru", "orang_tua", "tidak_diketahui")
        if kind == "seksual_dewasa":
            return "P", r.randint(18, 40), ("seksual",) + (("psikis",) if r.random() < 0.3 else ()), \
                self._place("fasilitas_umum", "tempat_kerja", "lainnya"), \
                self._relationship("pacar_teman", "rekan_kerja", "tidak_diketahui", "lainnya")
        if kind == "kdrt_istri":
            forms = self._pick([(("fisik",), 0.35), (("fisik", "psikis"), 0.4), (("psikis",), 0.15),
                                (("penelantaran",), 0.1)])
            return "P", r.randint(19, 50), forms, "rumah_tangga", "suami_istri"
        if kind == "fisik_anak":
            sex = "L" if r.random() < 0.5 else "P"
            return sex, r.randint(3, 17), ("fisik",) + (("psikis",) if r.random() < 0.2 else ()), \
                self._place("rumah_tangga", "sekolah", "fasilitas_umum"), \
                self._relationship("orang_tua", "keluarga", "tetangga", "guru", "pacar_teman")
        if kind == "psikis_perempuan":
            return "P", r.randint(18, 45), ("psikis",), self._place("rumah_tangga", "tempat_kerja", "lainnya"), \
                self._relationship("pacar_teman", "rekan_kerja", "keluarga", "lainnya")
        if kind == "penelantaran_anak":
            sex = "L" if r.random() < 0.5 else "P"
            return sex, r.randint(0, 12), ("penelantaran",) + (("psikis",) if r.random() < 0.1 else ()), \
                "rumah_tangga", self._relationship("orang_tua", "keluarga")
        if kind == "eksploitasi_anak":
            sex = "P" if r.random() < 0.6 else "L"
            forms = ("eksploitasi", "seksual") if r.random() < 0.5 else ("eksploitasi",)
            return sex, r.randint(10, 17), forms, self._place("tempat_kerja", "fasilitas_umum", "lainnya"), \
                self._relationship("majikan", "keluarga", "lainnya")
        sex = "P" if r.random() < 0.7 else "L"
        return sex, r.randint(5, 60), ("lainnya",), self._place("lainnya", "rumah_tangga"), \
            self._relationship("lainnya", "tidak_diketahui")

    def _victim(self, kind: str, district_code: str, report_date: dt.date,
                profile: tuple | None = None) -> DemoVictim:
        r = self.rng
        sex, age, forms, place, relationship = profile or self._profile(kind)
        assert set(forms) <= self.form_codes
        self.identity += 1
        services = tuple(sorted(r.sample(self.service_codes, k=r.choice((1, 1, 2, 2, 3))),
                                key=self.service_codes.index)) if self.service_codes else ()
        incident = report_date - dt.timedelta(days=r.randint(0, 45)) if r.random() < 0.85 else None
        services, incident = self.planning.services(services), self.planning.incident(kind, report_date, incident)
        return DemoVictim(
            identity=self.identity, sex=sex, age=age if r.random() > 0.03 else None, forms=forms,
            subdistrict=r.choice(self.kelurahan[district_code]) if r.random() < 0.9 else None,
            place=place, relationship=relationship, services=services, incident_date=incident)

    def _case(self, kind: str, district_code: str, month: dt.date) -> DemoCase:
        r = self.rng
        report_date = month + dt.timedelta(days=r.randrange(_days_in(month)))
        agency = self._pick([(a, share) for a, (_months, share) in register_agencies().items()])
        first = self._victim(kind, district_code, report_date)
        victims = [first]
        if r.random() < (0.22 if kind in ("fisik_anak", "penelantaran_anak", "tppo") else 0.06):
            sex, age, forms, place, relationship = self._profile(kind)
            if first.age is not None and age is not None and abs(age - first.age) < 3:
                # siblings or fellow victims differ in age, so a copy of one never matches the other
                age = first.age + 3 if first.age + 3 <= (17 if first.age < 18 else 60) else max(0, first.age - 3)
            second = self._victim(kind, district_code, report_date, (sex, age, forms, place, relationship))
            second.subdistrict = first.subdistrict
            second.incident_date = first.incident_date
            victims.append(second)
        return DemoCase(agency=agency, ref=self.refs.new(agency, report_date), report_date=report_date,
                        district_code=district_code, victims=victims,
                        perpetrators=self.planning.perpetrators(kind, first))

    def _kind(self) -> str:
        return self._pick([("seksual_anak", 0.36), ("kdrt_istri", 0.22), ("fisik_anak", 0.14),
                           ("psikis_perempuan", 0.07), ("seksual_dewasa", 0.05), ("penelantaran_anak", 0.08),
                           ("eksploitasi_anak", 0.04), ("lainnya", 0.04)])

    # -- the calendar of cases --------------------------------------------------------------------------------
    def cases(self) -> list[DemoCase]:
        r = self.rng
        weights = {code: n + 2 for code, n in self.split.items()}
        codes, w = list(weights), list(weights.values())
        cases: list[DemoCase] = []
        for year, total in CASES_PER_YEAR.items():
            total = scaled(total)
            per_month = _spread(r, total, _months(dt.date(year, 1, 1), dt.date(year, 12, 1)))
            for month, n in per_month.items():
                for _ in range(n):
                    kind = "tppo" if r.random() < 0.04 + 0.015 * (year - 2019) else self._kind()
                    cases.append(self._case(kind, r.choices(codes, weights=w)[0], month))

        # Jan–Oct 2024: exact kecamatan split for Jan–Aug, exact number of TPPO cases over the ten months
        jan_aug = _months(dt.date(2024, 1, 1), dt.date(2024, 8, 1))
        places = [code for code, n in self.split.items() for _ in range(n)]
        r.shuffle(places)
        slots = [(m, code) for m, n in _spread(r, len(places), jan_aug).items() for code in
                 [places.pop() for _ in range(n)]]
        sep_oct = _spread(r, scaled(CASES_SEP_OCT_2024), _months(dt.date(2024, 9, 1), dt.date(2024, 10, 1)))
        slots += [(m, r.choices(codes, weights=w)[0]) for m, n in sep_oct.items() for _ in range(n)]
        tppo_slots = set(r.sample(range(len(slots)), min(len(slots), scaled(TPPO_CASES_JAN_OCT_2024))))
        for i, (month, code) in enumerate(slots):
            cases.append(self._case("tppo" if i in tppo_slots else self._kind(), code, month))
        return cases

    # -- planted duplicates -------------------------------------------------------------------------------------
    def copies(self, cases: list[DemoCase]) -> list[DemoCase]:
        r = self.rng
        order = list(register_agencies())
        copies = []
        for case in cases:
            lower = order[order.index(case.agency) + 1:]
            if not lower or any(v.age is None for v in case.victims) or r.random() >= PLANTED_SHARE:
                continue
            agency = r.choice(lower)
            gap = r.randint(1, 25)
            date = case.report_date + dt.timedelta(days=gap)
            if date > _last_day(LAST_MONTH):
                date = case.report_date - dt.timedelta(days=gap)
            victims = []
            for v in case.victims:
                # another agency records what it saw: maybe a year older, maybe only the main form
                age = v.age + 1 if r.random() < 0.2 else v.age
                forms = v.forms[:1] if r.random() < 0.4 else v.forms
                victims.append(replace(v, age=age, forms=forms, subdistrict=v.subdistrict if r.random() < 0.5 else None,
                                       services=v.services[:1]))
            copies.append(DemoCase(agency=agency, ref=self.refs.new(agency, date), report_date=date,
                                   district_code=case.district_code, victims=victims, planted_from=case,
                                   perpetrators=case.perpetrators))
        return copies


# Perpetrators per case, as SIMFONI-PPA 2024 has them nationally (23,019 for 31,953 cases: 0.72); the counts'
# weights give 0.72 on average. A case without one: the perpetrator was not recorded.
PERPETRATORS_PER_CASE = ((0, 0.40), (1, 0.50), (2, 0.08), (3, 0.02))
SERVICE_GAP = 0.22               # victims with no service recorded (coverage is never complete)
# days from incident to report: most within days, some weeks, a tail of months (abuse of children disclosed late)
REPORT_DELAYS = (((0, 3), 0.40), ((4, 30), 0.32), ((31, 180), 0.20), ((181, 720), 0.08))
# relationship -> (ages of the perpetrator, share of men); 'pacar_teman' takes the victim's age into account
_PERPETRATOR_AGES = {"orang_tua": ((26, 58), 0.75), "suami_istri": ((21, 58), 0.97), "keluarga": ((14, 62), 0.9),
                     "tetangga": ((16, 68), 0.93), "guru": ((24, 58), 0.9), "majikan": ((28, 60), 0.8),
                     "rekan_kerja": ((19, 50), 0.9), "lainnya": ((17, 60), 0.85), "tidak_diketahui": ((18, 55), 0.9)}


class _PlanningDetails:
    """Perpetrators, service gaps and incident dates of the synthetic victims, from their own random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.relationship_codes = [code for code, _ in vocab.closed_lists().get("relationship", ())]

    def services(self, services: tuple[str, ...]) -> tuple[str, ...]:
        return () if self.rng.random() < SERVICE_GAP else services

    def incident(self, kind: str, report_date: dt.date, incident: dt.date | None) -> dt.date | None:
        if incident is None:
            return None
        low, high = self.rng.choices([b for b, _ in REPORT_DELAYS], weights=[w for _, w in REPORT_DELAYS])[0]
        if kind in ("kdrt_istri", "fisik_anak") and high > 180:
            low, high = 4, 30  # physical violence is mostly reported while the injuries show
        return report_date - dt.timedelta(days=self.rng.randint(low, high))

    def perpetrators(self, kind: str, victim: DemoVictim) -> list[DemoPerpetrator]:
        r = self.rng
        count = r.choices([n for n, _ in PERPETRATORS_PER_CASE], weights=[w for _, w in PERPETRATORS_PER_CASE])[0]
        out = []
        for i in range(count):
            relationship = victim.relationship if i == 0 else r.choice(
                [c for c in ("keluarga", "tetangga", "pacar_teman", "lainnya") if c in self.relationship_codes]
                or [victim.relationship])
            out.append(self._perpetrator(kind, victim, relationship))
        return out

    def _perpetrator(self, kind: str, victim: DemoVictim, relationship: str | None) -> DemoPerpetrator:
        r = self.rng
        if relationship == "pacar_teman":
            # boyfriends and friends are near the victim's age: the source of most child perpetrators
            base = victim.age if victim.age is not None else 18
            ages, men = (max(12, base - 2), max(14, base + 8)), 0.95
        else:
            ages, men = _PERPETRATOR_AGES.get(relationship, ((18, 60), 0.85))
        if kind == "penelantaran_anak":
            men = 0.55  # neglect: mothers as often as fathers
        if relationship == "suami_istri":
            sex = "L" if victim.sex == "P" else "P"
        else:
            sex = "L" if r.random() < men else "P"
        age = r.randint(*ages) if r.random() > (0.5 if relationship == "tidak_diketahui" else 0.08) else None
        return DemoPerpetrator(sex, age, relationship)


def _last_day(month: dt.date) -> dt.date:
    return month + dt.timedelta(days=_days_in(month) - 1)


def _would_pair(a: DemoCase, va: DemoVictim, b: DemoCase, vb: DemoVictim) -> bool:
    """The duplicate rule of etl.dedupe, for two records of different agencies."""
    return (a.agency != b.agency and a.district_code == b.district_code and va.sex == vb.sex
            and va.age is not None and vb.age is not None and abs(va.age - vb.age) <= MAX_AGE_GAP
            and abs((a.report_date - b.report_date).days) <= MAX_GAP_DAYS and bool(set(va.forms) & set(vb.forms)))


def _separate_chance_pairs(rng: random.Random, cases: list[DemoCase], copies: list[DemoCase]) -> None:
    """Nudge ages until the only record pairs satisfying the duplicate rule are the planted ones."""
    records = [(c, v) for c in cases + copies for v in c.victims]
    by_identity: dict[int, list[DemoVictim]] = {}
    for _c, v in records:
        by_identity.setdefault(v.identity, []).append(v)
    for _round in range(200):
        buckets: dict[tuple[str, str], list] = {}
        for c, v in records:
            buckets.setdefault((c.district_code, v.sex), []).append((c, v))
        clash = None
        for group in buckets.values():
            for i, (a, va) in enumerate(group):
                for b, vb in group[i + 1:]:
                    if va.identity != vb.identity and _would_pair(a, va, b, vb):
                        clash = vb
                        break
                if clash:
                    break
            if clash:
                break
        if clash is None:
            return
        step = rng.choice((2, 3, 4))
        step = -step if clash.age + step > (17 if clash.age < 18 else 70) else step
        for v in by_identity[clash.identity]:  # the same person keeps the same shift in every agency
            v.age = max(0, v.age + step)
    raise EtlError("Data contoh: pasangan duplikat kebetulan tidak dapat dihilangkan (ubah SEED).")


def _recap_months(rng: random.Random, agency: str) -> list[RecapMonth]:
    codes = [d.code for d in vocab.districts()]
    weights = {"RSUD": [("fisik", 5), ("seksual", 4), ("psikis", 2), ("penelantaran", 1)],
               "PUSKESMAS": [("fisik", 3), ("psikis", 3), ("seksual", 2), ("penelantaran", 2), ("lainnya", 1)]}[agency]
    forms, fw = zip(*weights)
    out = []
    for month in _months(FIRST_MONTH, LAST_MONTH):
        counts: dict[tuple[str, str, str], int] = {}
        for _ in range(rng.randint(2, 8)):
            key = (rng.choice(codes), rng.choices(forms, weights=fw)[0], "P" if rng.random() < 0.75 else "L")
            counts[key] = counts.get(key, 0) + 1
        out.append(RecapMonth(month, counts))
    return out


def demo_plan(seed: int = SEED) -> DemoPlan:
    """The synthetic cases, planted duplicates and recaps (deterministic for a seed)."""
    gen = _Generator(seed)
    cases = gen.cases()
    copies = gen.copies(cases)
    _separate_chance_pairs(gen.rng, cases, copies)
    recaps = {agency: _recap_months(gen.rng, agency) for agency in recap_agencies()}
    plan = DemoPlan(cases=cases, copies=copies, recaps=recaps)
    case_details(plan, seed)
    return plan


# ---------------------------------------------------------------- case details (issue 23)

# Shares of the TPPO block among TPPO victims, invented but in line with what Indonesian task forces report
# (sexual exploitation and non-procedural migrant work first; online-scam compounds in Cambodia and Myanmar since
# 2022; recruitment mostly through social media and job offers). Codes of case_detail_lists.csv / destinations.csv.
TPPO_PURPOSES = [("sexual", 40), ("irregular_migrant_work", 24), ("forced_labour", 10), ("forced_online_crime", 10),
                 ("child_sale_adoption", 4), ("ship_crew", 3), ("mail_order_bride", 3), ("other", 6)]
TPPO_CHANNELS = [("social_media", 36), ("job_offer", 30), ("partner_acquaintance", 14), ("broker_agency", 12),
                 ("family", 8)]
TPPO_DESTINATIONS = {
    "sexual": [("within_city", 30), ("15.05", 8), ("15.04", 4), ("ID-RI", 18), ("ID-KR", 16), ("ID-SS", 6),
               ("ID-JK", 6), ("MY", 12)],
    "irregular_migrant_work": [("MY", 58), ("SA", 14), ("SG", 6), ("TW", 6), ("HK", 6), ("ID-KR", 10)],
    "forced_labour": [("ID-RI", 30), ("ID-KR", 20), ("15.06", 10), ("MY", 25), ("ID-JK", 15)],
    "forced_online_crime": [("KH", 60), ("MM", 30), ("LA", 10)],
    "child_sale_adoption": [("within_city", 50), ("ID-JK", 30), ("ID-SU", 20)],
    "ship_crew": [("ID-SU", 40), ("TW", 60)],
    "mail_order_bride": [("CN", 100)],
    "other": [("within_city", 40), ("ID-RI", 30), ("MY", 30)],
}
# stages as the police and UPTD PPA state them: (stage code, weight, days after the report: low, high)
POLICE_STAGES = [("investigation", 45, 5, 60), ("prosecution", 25, 30, 120), ("verdict", 12, 90, 300),
                 ("stopped", 10, 20, 150), ("reported", 8, 0, 3)]
OTHER_STAGES = [("reported", 55, 0, 2), ("settled", 20, 3, 40), ("investigation", 25, 5, 60)]
STATED_SHARE = {"POLRESTA": 1.0, "UPTD_PPA": 0.5}   # other agencies state a stage for 30% of their cases


def case_details(plan: DemoPlan, seed: int = SEED) -> None:
    """Give the plan's cases a stage and its TPPO victims a TPPO block, from a random stream of its own (so the
    calibrated counts and the planted duplicates are exactly as without them)."""
    rng = random.Random(f"{seed}:case-details")
    stage_labels = vocab.case_detail_labels("stage")
    labels = {name: vocab.case_detail_labels(name) for name in ("exploitation", "recruitment", "destination")}
    kinds = {d.code: d.kind for d in vocab.destinations()}
    last = _last_day(LAST_MONTH)

    def pick(options):
        values, weights = zip(*options)
        return rng.choices(values, weights=weights)[0]

    def stage_of(case: DemoCase, options) -> None:
        code, _w, low, high = pick([(o, o[1]) for o in options])
        date = case.report_date + dt.timedelta(days=rng.randint(low, high))
        if date > last:  # not there yet: the case is still being investigated (or just reported)
            code, date = ("investigation", min(last, case.report_date + dt.timedelta(days=rng.randint(5, 20)))) \
                if case.agency == "POLRESTA" else ("reported", case.report_date)
        if code in stage_labels:
            plan.stages[(case.agency, case.ref)] = (stage_labels[code], date)

    for case in plan.cases + plan.copies:
        if rng.random() < STATED_SHARE.get(case.agency, 0.3):
            stage_of(case, POLICE_STAGES if case.agency == "POLRESTA" else OTHER_STAGES)
        if not case.is_tppo:
            continue
        for v in case.victims:
            if "tppo" not in v.forms:
                continue
            primary = case.planted_from
            if primary is not None:  # another agency's record of the same victim says the same
                same = [k for k in plan.tppo if k[:2] == (primary.agency, primary.ref) and k[2] == v.identity]
                if same:
                    plan.tppo[(case.agency, case.ref, v.identity)] = plan.tppo[same[0]]
                    continue
            purpose = pick(TPPO_PURPOSES)
            destination = pick(TPPO_DESTINATIONS[purpose]) if rng.random() < 0.88 else None
            far = destination is not None and kinds.get(destination) in ("other_province", "abroad")
            repatriated = (rng.random() < 0.65) if far else None
            child = None if v.age is None else ("Ya" if v.age < 18 or (v.age < 20 and rng.random() < 0.3)
                                                else "Tidak")
            plan.tppo[(case.agency, case.ref, v.identity)] = TppoEntry(
                purpose=labels["exploitation"][purpose] if rng.random() < 0.92 else None,
                channel=labels["recruitment"][pick(TPPO_CHANNELS)] if rng.random() < 0.85 else None,
                destination=labels["destination"].get(destination),
                recruited_as_child=child,
                repatriated=None if repatriated is None else ("Ya" if repatriated else "Tidak"),
                repatriated_from=labels["destination"].get(destination) if repatriated else None)


def _labels() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    lists = vocab.closed_lists()
    return ({c: lbl for c, lbl in lists.get("place_of_incident", ())},
            {c: lbl for c, lbl in lists.get("relationship", ())},
            {c: lbl for c, lbl in lists.get("service", ())})


def _entries(cases: list[DemoCase], text_dates: bool, plan: DemoPlan | None = None) -> list[RegisterEntry]:
    places, relationships, services = _labels()
    stages, tppo = (plan.stages, plan.tppo) if plan is not None else ({}, {})
    forms = vocab.violence_labels()
    names = {d.code: d.name for d in vocab.districts()}
    fmt = (lambda d: d.strftime("%d/%m/%Y") if d else None) if text_dates else (lambda d: d)
    entries = []
    for case in sorted(cases, key=lambda c: (c.report_date, c.ref)):
        perpetrators = tuple(PerpetratorEntry(p.sex, p.age, relationships.get(p.relationship))
                             for p in case.perpetrators)
        for i, v in enumerate(case.victims):
            # the perpetrators go on the case's first row; the police repeat them on every victim's row
            # (counted once: etl/db.py, the perpetrators view)
            written = perpetrators if i == 0 or case.agency == "POLRESTA" else ()
            entries.append(RegisterEntry(
                case_ref=case.ref, report_date=fmt(case.report_date), incident_date=fmt(v.incident_date),
                district=names[case.district_code], subdistrict=v.subdistrict, age=v.age, sex=v.sex,
                forms=tuple(forms[f] for f in v.forms), place=places.get(v.place),
                relationship=relationships.get(v.relationship), services=tuple(services[s] for s in v.services),
                notes=case.notes, stage=stages.get((case.agency, case.ref), (None, None))[0],
                stage_date=fmt(stages.get((case.agency, case.ref), (None, None))[1]),
                tppo=tppo.get((case.agency, case.ref, v.identity)), perpetrators=written))
    return entries


def _with_problems(entries: list[RegisterEntry]) -> list[RegisterEntry]:
    """Add the mistakes real files have, so the data-quality page and the row messages have something to show.

    Three rows are rejected (a place outside the region, a wording no alias knows, an impossible age) and one
    kecamatan is misspelt (accepted with a warning); none of this changes the published figures.
    """
    first = entries[0]
    misspelt = replace(first, district=(first.district or "") + "h") if first.district else first
    names = [d.name for d in vocab.districts()]
    outside = next(iter(vocab.out_of_area_places()), "luar wilayah contoh").title()
    bad = [
        RegisterEntry(case_ref="DS-SALAH-1", report_date="14/05/2024", district=outside, sex="P",
                      forms=("Fisik",), age=15),
        RegisterEntry(case_ref="DS-SALAH-2", report_date="21/05/2024", district=names[7 % len(names)], sex="P",
                      forms=("Kekerasan berbasis gender online",), age=19),
        RegisterEntry(case_ref="DS-SALAH-3", report_date="03/06/2024", district=names[9 % len(names)], sex="P",
                      forms=("Psikis",), age=130),
    ]
    return [misspelt, *entries[1:], *bad]


def _chunks(months_per_file: int) -> list[tuple[dt.date, dt.date]]:
    months = _months(FIRST_MONTH, LAST_MONTH)
    out = []
    for m in months:
        if (m.month - 1) % months_per_file == 0:
            out.append([m])
        else:
            out[-1].append(m)
    return [(c[0], c[-1]) for c in out]


def _period_label(first: dt.date, last: dt.date) -> str:
    return month_name(first) if first == last else f"{month_name(first)} - {month_name(last)}"


def write_demo_files(plan: DemoPlan, folder: Path) -> list[Path]:
    """Write every synthetic submission into a folder; return the paths in the order they are 'received'."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{FILE_PREFIX}*"):
        old.unlink()
    received: list[tuple[dt.date, int, Path]] = []
    priority = {code: i for i, code in enumerate(vocab.agency_codes())}
    records = plan.cases + plan.copies
    for agency, (months_per_file, _share) in register_agencies().items():
        for first, last in _chunks(months_per_file):
            chunk = [c for c in records if c.agency == agency and first <= c.report_date <= _last_day(last)]
            stamp = first.strftime("%Y-%m") if first == last else f"{first:%Y-%m}_{last:%Y-%m}"
            title = f"{SYNTHETIC_MARK} — REGISTER KASUS {agency} — {_period_label(first, last).upper()}"
            path = folder / f"{FILE_PREFIX}{agency.lower()}-register-{stamp}.xlsx"
            entries = _entries(chunk, agency in TEXT_DATE_AGENCIES, plan)
            if agency == PROBLEM_AGENCY and first <= PROBLEM_MONTH <= last:
                entries = _with_problems(entries)
            write_register(path, entries, agency=agency, period=(first, last), title=title)
            received.append((last, priority.get(agency, 99), path))
            if agency == "UPTD_PPA" and first == dt.date(2024, 3, 1) and len(chunk) > 1:
                # a first version that forgot the last case; the corrected file (written above) replaces it
                draft = folder / f"{FILE_PREFIX}{agency.lower()}-register-{stamp}-draf.xlsx"
                latest = max(chunk, key=lambda c: (c.report_date, c.ref))
                write_register(draft, _entries([c for c in chunk if c is not latest], False, plan), agency=agency,
                               period=(first, last), title=title + " (DRAF)")
                received.append((last, priority.get(agency, 99) - 0.5, draft))
    for agency, months_per_file in recap_agencies().items():
        for first, last in _chunks(months_per_file):
            months = [m for m in plan.recaps[agency] if first <= m.month <= last]
            stamp = first.strftime("%Y-%m") if first == last else f"{first:%Y-%m}_{last:%Y-%m}"
            path = folder / f"{FILE_PREFIX}{agency.lower()}-rekap-{stamp}.xlsx"
            write_recap(path, months, agency=agency,
                        title=f"{SYNTHETIC_MARK} — REKAP {agency}")
            received.append((last, priority.get(agency, 99), path))
    return [p for _last, _prio, p in sorted(received, key=lambda t: (t[0], t[1], t[2].name))]


def _received_at(file_name: str, last_month: dt.date, due_day: int) -> dt.datetime:
    """When a synthetic file 'arrived': mostly a few days before its due day, sometimes weeks late."""
    rng = random.Random(f"{SEED}:{file_name}")
    next_month = (last_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    due = next_month.replace(day=min(due_day, 28))
    days = rng.randint(3, 25) if rng.random() < 0.15 else -rng.randint(0, 6)
    return dt.datetime.combine(due + dt.timedelta(days=days), dt.time(9, 0)) + dt.timedelta(minutes=rng.randint(0, 420))


def _date_receipts(con) -> None:
    """Give each demo submission a realistic receipt time, so the compliance page shows on-time and late reports.

    Times stay in load order within an agency and shape: replacements and rebuilds replay in that order.
    """
    due_days = {a.code: a.report_due_day for a in vocab.agencies()}
    rows = con.execute("SELECT submission_id, file_name, agency, shape, list_max(months) FROM submissions "
                       "ORDER BY loaded_at, submission_id").fetchall()
    previous: dict[tuple[str, str], dt.datetime] = {}
    updates = []
    for sid, name, agency, shape, last in rows:
        at = _received_at(name, last, due_days.get(agency, 10))
        if (agency, shape) in previous:
            at = max(at, previous[(agency, shape)] + dt.timedelta(minutes=1))
        previous[(agency, shape)] = at
        updates.append((at, sid))
    con.executemany("UPDATE submissions SET loaded_at = ? WHERE submission_id = ?", updates)


def build_demo(db: str | os.PathLike | None = None) -> LoadReport:
    """Build a fresh demo database: write the synthetic files to <db folder>/samples and load them for real."""
    target = dbmod.db_path(db)
    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    plan = demo_plan()
    paths = write_demo_files(plan, dbmod.data_dir(target) / SAMPLES_DIR)
    report = load_files(paths, db=target)
    failed = [f for f in report.files if f.status == "failed"]
    if failed:
        raise EtlError(f"Data contoh gagal dimuat: {failed[0].path.name}: {failed[0].message}")
    # as every writer: under the lock, on a private copy swapped in (files 0600, etl.writer), no backup of a demo
    with writer.writing(target, backup=False) as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('dataset', 'demo')")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('demo_seed', ?)", [str(SEED)])
        _date_receipts(con)
    return report
