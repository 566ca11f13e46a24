"""Indonesian text for people at a terminal: the load summary, the progress bar, the duplicate list."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

from etl import vocab
from etl.load import FileResult, LoadReport
from etl.model import AGENCY_UNKNOWN

STATUS_TEXT = {"loaded": "dimuat", "unchanged": "tidak berubah (file yang sama sudah pernah dimuat)",
               "replaced": "dimuat, menggantikan data lama lembaga ini untuk bulan yang sama",
               "held": "DITAHAN (belum dimuat: data bulan itu akan berkurang)", "failed": "GAGAL"}
# what `inspect` says: what loading would do
WOULD_TEXT = {"loaded": "dapat dimuat (data baru)", "unchanged": "tidak berubah (file yang sama sudah pernah dimuat)",
              "replaced": "dapat dimuat, menggantikan data lama lembaga ini untuk bulan yang sama",
              "held": "akan DITAHAN (data bulan itu akan berkurang; perlu --ganti-sebagian)",
              "failed": "akan GAGAL"}
HELD_HINT = ("Untuk tetap mengganti, muat dengan `python -m etl load FILE --ganti-sebagian` (lihat "
             "docs/operations.md, \"Pemuatan ditahan\").")
SHAPE_TEXT = {"register": "register (satu baris per korban)", "recap": "rekap (jumlah per kecamatan)"}
MAX_PROBLEMS = 5


def number(n: int) -> str:
    """1234 -> '1.234'."""
    return f"{n:,}".replace(",", ".")


def period_text(months: list[dt.date]) -> str:
    """'Januari 2024 – Maret 2024', or '-' when unknown."""
    if not months:
        return "-"
    return vocab.months_text(months)


def _where(sheet: str | None, row: int | None, column: str | None) -> str:
    parts = []
    if sheet:
        parts.append(f"lembar '{sheet}'")
    if row:
        parts.append(f"baris {row}")
    if column:
        parts.append(f"kolom '{column}'")
    return ", ".join(parts)


def _detected_text(detected: dict) -> list[str]:
    lines = []
    if detected.get("agency"):
        source = detected.get("agency_source")
        lines.append(f"lembaga {detected['agency']}" + (f" (dari {source})" if source else ""))
    if detected.get("agency_detected"):
        other = detected["agency_detected"]
        lines.append(f"isi file menyebut lembaga {other.get('agency')} ({other.get('source')}); dipakai --agency")
    if detected.get("period_source"):
        lines.append(f"periode dari {detected['period_source']}")
    if detected.get("nihil"):
        lines.append("laporan NIHIL (tidak ada kasus)")
    for sheet in detected.get("sheets") or []:
        rows = sheet.get("data_rows")
        text = f"lembar '{sheet.get('sheet')}': {sheet.get('shape')}"
        if rows:
            text += f", data baris {rows[0]}–{rows[1]}"
        dropped = sheet.get("personal_columns_dropped") or []
        if dropped:
            text += f"; kolom data pribadi dibuang: {', '.join(dropped)}"
        lines.append(text)
    for skipped in detected.get("skipped_sheets") or []:
        lines.append(f"lembar '{skipped.get('sheet')}' dilewati: {skipped.get('reason')}")
    return lines


def file_summary(result: FileResult, status_text: dict[str, str] = STATUS_TEXT) -> str:
    """A few lines about one file."""
    lines = [f"{result.path.name}", f"  Status     : {status_text.get(result.status, result.status)}"]
    if result.status in ("failed", "held"):
        lines.append(f"  Alasan     : {result.message}")
        if AGENCY_UNKNOWN in (result.message or ""):  # the message names the choice; here it is a flag
            lines.append("  Di baris perintah, lembaga dipilih dengan --agency KODE.")
        if result.status == "held":
            lines.append(f"  {HELD_HINT}")
        if result.decision is None:  # not read or not understood: nothing more to say
            return "\n".join(lines)
    lines.append(f"  Lembaga    : {result.agency or '-'}    Periode: {period_text(result.months)}    "
                 f"Bentuk: {SHAPE_TEXT.get(result.shape or '', result.shape or '-')}")
    if result.status != "unchanged":
        lines.append(f"  Baris      : {number(result.rows_read)} dibaca, {number(result.rows_loaded)} dimuat, "
                     f"{number(result.rows_rejected)} ditolak")
    detected = _detected_text(result.detected)
    if detected:
        lines.append("  Terdeteksi : " + "; ".join(detected))
    if result.errors:
        lines.append(f"  Ditolak ({number(len(result.errors))} masalah; {min(MAX_PROBLEMS, len(result.errors))} "
                     "pertama):")
        lines += [f"    - {_where(e.sheet, e.row, e.column)}: {e.message}" for e in result.errors[:MAX_PROBLEMS]]
    if result.warnings:
        lines.append(f"  Peringatan ({number(len(result.warnings))}):")
        lines += [f"    - {_where(w.sheet, w.row, w.column)}: {w.message}" for w in result.warnings[:MAX_PROBLEMS]]
    # what it replaces (a NIHIL report too: N records of a month go at once): before a load (inspect, a held
    # file), or what a load did
    done = status_text is STATUS_TEXT and result.status == "replaced"
    return "\n".join(lines + _replacement_lines(result, "Diganti    " if done else "Mengganti  "))


def _replacement_lines(result: FileResult, label: str) -> list[str]:
    """One line per month of an earlier file that the file replaces: which file, when loaded, records before and
    after."""
    decision = result.decision
    if decision is None or result.status in ("unchanged", "failed"):
        return []
    lines = []
    for old in decision.replaces:
        for month in old.months:
            before, after = decision.before.get(month, 0), decision.after.get(month, 0)
            lines.append(f"  {label}: {period_text([month])} dari kiriman {old.submission_id[:12]} "
                         f"({old.file_name}, dimuat {old.loaded_at:%d-%m-%Y %H:%M}): {number(before)} → "
                         f"{number(after)} korban ({'+' if after >= before else '−'}{number(abs(after - before))})")
    return lines


def load_summary(report: LoadReport) -> str:
    """The readable summary of a batch: each file, then the totals."""
    counts = {s: sum(1 for f in report.files if f.status == s) for s in STATUS_TEXT}
    totals = (f"Total: {number(len(report.files))} file — {counts['loaded']} dimuat, {counts['replaced']} "
              f"menggantikan, {counts['unchanged']} tidak berubah, {counts['failed']} gagal"
              + (f", {counts['held']} ditahan" if counts["held"] else "") + "; "
              f"{number(report.rows_loaded)} baris dimuat, {number(report.rows_rejected)} baris ditolak.")
    parts = [file_summary(f) for f in report.files] + [totals]
    if report.leftovers_removed:
        parts.append(leftovers_sentence(report.leftovers_removed))
    return "\n\n".join(parts)


def leftovers_sentence(removed: list) -> str:
    """What a load removed that a killed load had left (etl.writer), for the CLI and the upload page."""
    return (f"Sisa pemuatan sebelumnya yang terhenti (salinan kerja, file arsip sementara, cadangan setengah jadi) "
            f"dihapus: {len(removed)} file ({', '.join(Path(p).name for p in removed)}).")


def inspect_summary(report: LoadReport) -> str:
    """What loading each file would do (nothing was stored), with the months it would replace."""
    parts = []
    for result in report.files:
        parts.append(file_summary(result, WOULD_TEXT))
    would = sum(1 for f in report.files if f.status in ("loaded", "replaced"))
    parts.append(f"Total: {number(len(report.files))} file diperiksa — {would} dapat dimuat, "
                 f"{sum(1 for f in report.files if f.status == 'unchanged')} tidak berubah, "
                 f"{sum(1 for f in report.files if f.status == 'held')} akan ditahan, "
                 f"{sum(1 for f in report.files if f.status == 'failed')} akan gagal. Tidak ada yang disimpan.")
    return "\n\n".join(parts)


class ProgressBar:
    """A one-line progress bar on a terminal stream (silent when the stream is not a terminal)."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.live = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, done: int, total: int, result: FileResult) -> None:
        if not self.live:
            return
        filled = int(self.width * done / max(total, 1))
        name = result.path.name[:40]
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {name:<40}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def duplicates_text(pairs: list[dict]) -> str:
    """The duplicate pairs as a readable list."""
    if not pairs:
        return "Tidak ada korban yang tercatat ganda antar-lembaga."
    lines = [f"{number(len(pairs))} catatan korban adalah duplikat dari catatan lembaga lain "
             "(dihitung sekali, dari catatan utama):"]
    for p in pairs:
        lines.append(
            f"- {p['agency']} {p['case_ref'] or '(tanpa no.)'} ({p['report_date']:%d/%m/%Y}) = "
            f"{p['primary_agency']} {p['primary_case_ref'] or '(tanpa no.)'} ({p['primary_report_date']:%d/%m/%Y}); "
            f"{p['district']}, {p['sex']}, umur {p['age']}/{p['primary_age']}, selisih {p['gap_days']} hari, "
            f"bentuk sama: {', '.join(p['shared_types'])}")
    return "\n".join(lines)
