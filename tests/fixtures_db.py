"""A small, deterministic database written through etl.db (real DuckDB), for fast tests of the query layer."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from etl import db as etl_db
from etl import vocab


def build_fixture_db(path: Path, seed: int = 42, victims_per_month: int = 6) -> Path:
    """Write registers for UPTD_PPA and POLRESTA (Jan 2023–Oct 2024, with duplicates) and a RSUD recap."""
    rng = random.Random(seed)
    districts = [d.code for d in vocab.districts()]
    subdistricts = vocab.subdistricts()
    forms = [v.code for v in vocab.violence_types()]
    places = [c for c, _ in vocab.closed_lists()["place_of_incident"]]
    relations = [c for c, _ in vocab.closed_lists()["relationship"]]
    months = [dt.date(2023 + i // 12, i % 12 + 1, 1) for i in range(22)]
    con = etl_db.connect(path)
    try:
        submissions, victims, recaps = [], [], []
        for agency in ("UPTD_PPA", "POLRESTA"):
            sub = f"{agency.lower():0<16}"[:16] + "x" * 48
            submissions.append((sub, agency, f"{agency}.xlsx", "xlsx", "register", months, "active", None))
            for month in months:
                for n in range(victims_per_month if agency == "UPTD_PPA" else 2):
                    key = f"{sub[:16]}:0:{month:%Y%m}{n:02d}"
                    district = rng.choice(districts)
                    kel = [s.code for s in subdistricts if s.district_code == district]
                    types = rng.sample(forms, rng.choice([1, 1, 1, 2]))
                    age = rng.choice([None, 4, 9, 15, 16, 21, 30, 50, 65])
                    case = f"{agency}:{month:%Y%m}:{n // 2}"  # two victims per case
                    victims.append((key, sub, agency, case.split(":", 1)[1], case,
                                    month + dt.timedelta(days=rng.randrange(27)), None, district,
                                    rng.choice(kel + [None]), age, None if age is None else age < 18,
                                    rng.choice(["L", "P", "P", None]), types, rng.choice(places + [None]),
                                    rng.choice(relations + [None]), [], None, "Register", n + 5, None))
        # every POLRESTA victim of the first case each month duplicates a UPTD_PPA victim
        uptd_keys = [v[0] for v in victims if v[2] == "UPTD_PPA"]
        victims = [v[:-1] + ((uptd_keys[i % len(uptd_keys)],) if v[2] == "POLRESTA" and v[0].endswith("00")
                             else (None,))
                   for i, v in enumerate(victims)]
        # perpetrators (migration 6, the last column): one on the police's rows and on some UPTD_PPA rows, a child
        # (16) on every fifth row
        victims = [v + ([{"slot": 1, "sex": "L", "age": 16 if i % 5 == 0 else 35, "is_child": None,
                          "relationship": relations[i % len(relations)]}]
                        if v[2] == "POLRESTA" or v[0][-2:] in {"00", "02", "04"} else [],)
                   for i, v in enumerate(victims)]
        recap_sub = "rsud" + "r" * 60
        submissions.append((recap_sub, "RSUD", "RSUD rekap.xlsx", "xlsx", "recap", months[-6:], "active", None))
        submissions.append(("rsudold" + "o" * 57, "RSUD", "RSUD rekap lama.xlsx", "xlsx", "recap", months[-6:-5],
                            "superseded", recap_sub))
        for month in months[-6:]:
            for district in districts[:4]:
                recaps.append((recap_sub, "RSUD", month, district, forms[0], "P", rng.randrange(0, 4),
                               "Rekap", 3, "C"))
        con.executemany("""INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, TIMESTAMP '2024-11-05 09:00',
                                                          ?, ?, 10, 9, 1, NULL)""", submissions)
        con.executemany(f"INSERT INTO victim_records (victim_key, submission_id, agency, case_ref, case_key, report_date, incident_date, district_code, subdistrict_code, age, is_child, sex, violence_types, place_of_incident, relationship, services, notes, source_sheet, source_row, duplicate_of, perpetrators) VALUES ({', '.join('?' * 21)})", victims)
        con.executemany("INSERT INTO recap_counts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", recaps)
        con.execute("""INSERT INTO rejected_rows VALUES
            (?, 'Register', 9, 'jenis kekerasan', 'bentuk_tidak_dikenal', 'Jenis kekerasan tidak dikenal'),
            (?, 'Register', 12, 'tanggal lapor', 'tanggal', 'Tanggal lapor kosong')""",
                    [submissions[0][0], submissions[0][0]])
        con.execute("""INSERT INTO load_warnings VALUES
            (?, 'Rekap', 20, 'Jumlah', 'jumlah_tidak_cocok', 'Total baris tidak sama dengan jumlah sel')""",
                    [recap_sub])
        con.execute("""INSERT INTO load_log (submission_id, file_name, started_at, finished_at, outcome, message)
                       VALUES (?, 'UPTD_PPA.xlsx', TIMESTAMP '2024-11-05 09:00', TIMESTAMP '2024-11-05 09:01',
                               'loaded', NULL)""", [submissions[0][0]])
        con.execute("INSERT INTO meta VALUES ('dataset', 'fixture')")
    finally:
        con.close()
    return path
