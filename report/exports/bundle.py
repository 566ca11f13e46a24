"""Every paparan file for one briefing, named for what it is: deck, PDF page, chart PNGs, infographic, tables.

The deck, the PDF page, the chart PNGs and the Excel tables are staff artefacts: exact numbers for the months asked
for, marked for internal use. The infographic and ``angka-publik.csv`` are public: they show the release period
the months snap to (report/release.py), never the free range.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

from report import db as app_db
from report.briefing import Briefing, build_briefing
from report.exports import names, pdf, png
from etl.model import EtlError, UsageError

if TYPE_CHECKING:
    from report.exports import infographic, xlsx

Progress = Callable[[str], None]

# The tables behind the briefing's charts, as the downloads name them.
TABLE_TITLES = {
    "bulanan": "Kasus dan korban per bulan",
    "tren_tahunan": "Kasus per bulan vs tahun lalu",
    "kecamatan": "Kasus per kecamatan",
    "bentuk": "Korban per bentuk kekerasan",
    "tppo_bulanan": "TPPO per bulan",
    "kelompok_korban": "Kelompok korban",
    "anak_dewasa": "Korban anak dan dewasa",
    # Excel sheet names: at most 31 characters
    "tppo_tujuan": "Korban TPPO per eksploitasi",
    "tppo_rekrut": "Korban TPPO per cara rekrut",
    "tppo_daerah": "Korban TPPO per daerah tujuan",
    "tppo_pulang": "Korban TPPO per pemulangan",
    "tahap_tppo": "Kasus TPPO per tahap",
    "tahap_semua": "Semua kasus per tahap",
}


def briefing_tables(b: Briefing) -> dict[str, pd.DataFrame]:
    """The tables behind the briefing's charts, keyed by their Indonesian title."""
    return {title: b.tables[key] for key, title in TABLE_TITLES.items()}


def table_notes(b: Briefing, extra: tuple[str, ...] = ()) -> xlsx.TableNotes:
    """The "Catatan" sheet for the briefing's tables."""
    from report.exports import xlsx
    return xlsx.TableNotes(period=b.period, source=b.footer[0], prepared_on=b.prepared_on,
                           extra=(*b.caveats, *b.footer[1:], *extra))


def charts_zip(pngs: dict[str, bytes], b: Briefing) -> bytes:
    """The chart PNGs in one zip, each under its own descriptive file name."""
    out = io.BytesIO()
    start, end = b.filters.start, b.filters.end
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for chart, data in pngs.items():
            archive.writestr(names.chart_png_name(chart, start, end), data)
    return out.getvalue()


PUBLIC_NUMBERS_NAME = "angka-publik.csv"


def public_headline(con, b: Briefing) -> infographic.PublicHeadline:
    """The infographic's figures for the briefing's months, read from the public release (snapped to its period)."""
    # imported here, as the deck's and the PDF pages' libraries: the paparan queues its first images before these
    from report import release
    from report.exports import infographic

    periods, latest = release.public_period_list(con)
    return infographic.for_months(b.filters.start, b.filters.end, periods, latest,
                                  lambda year: release.release(con, years={year}, only=infographic.RELEASE_TABLES)[1],
                                  b.demo)


def build_paparan(b: Briefing, public: infographic.PublicHeadline,
                  progress: Progress = lambda _: None) -> dict[str, bytes]:
    """File name -> bytes for the deck, the PDF page, each chart PNG (staff: exact, the briefing's months), the
    infographic and its ``angka-publik.csv`` (public: the release period ``public``), and the Excel tables."""
    files = build_without_browser(b, public, progress)
    files.update(build_with_browser(b, public, progress))
    return files


def build_without_browser(b: Briefing, public: infographic.PublicHeadline,
                          progress: Progress = lambda _: None) -> dict[str, bytes]:
    """The files that need no Chromium: the PowerPoint deck (native charts), the Excel tables and
    ``angka-publik.csv``."""
    # imported here: the paparan queues its images first, so Chromium draws while python-pptx and openpyxl import
    from report.exports import infographic, pptx, xlsx

    start, end = b.filters.start, b.filters.end
    progress("Membuat paparan PowerPoint …")
    files = {names.deck_name(start, end): pptx.build_deck(b)}
    progress("Menulis tabel data (Excel) …")
    files[names.table_name("grafik", start, end, "xlsx")] = xlsx.workbook_bytes(briefing_tables(b), table_notes(b))
    files[PUBLIC_NUMBERS_NAME] = infographic.numbers_frame(public).to_csv(index=False).encode("utf-8")
    return files


@dataclass
class Drawing:
    """The images of one paparan queued with Chromium (futures), by the file they go into."""

    summary: dict[str, concurrent.futures.Future]
    charts: dict[str, concurrent.futures.Future]
    infographic: concurrent.futures.Future | None = None
    task_force: dict[str, concurrent.futures.Future] | None = None


def queue_images(b: Briefing, chromium: png.Renderer, progress: Progress = lambda _: None) -> Drawing:
    """Build the summary page's and the chart PNGs' figures once and queue them with Chromium, the page's first;
    returns at once, so the deck, the tables and the public release are made while Chromium draws (ChromiumMissing
    without one). ``queue_last`` queues the rest once the public release is known."""
    figures = png.chart_figures(b)  # the PNGs and the PDF page draw the same figures, built once
    summary = {name: chromium.submit(fig, 2, pdf.PAGE_IMAGE_FORMAT)
               for name, fig in pdf.page_figures(b, figures).items()}
    progress("Menggambar grafik (PNG) …")  # once the first image is queued: a missing Chromium has said so by now
    return Drawing(summary=summary,
                   charts={name: chromium.submit(fig) for name, fig in png.export_figures(b, figures).items()})


def queue_last(drawing: Drawing, b: Briefing, public: infographic.PublicHeadline, chromium: png.Renderer) -> None:
    """Queue the public infographic, then the task-force page's images: that page is laid out (0.2-0.3 s) after its
    images are drawn, i.e. while Chromium shuts down, instead of Chromium's shutdown coming after everything."""
    from report.exports import infographic

    drawing.infographic = chromium.submit(infographic.infographic_figure(public), scale=1)
    drawing.task_force = {name: chromium.submit(fig, 2, pdf.PAGE_IMAGE_FORMAT)
                          for name, fig in pdf.task_force_page_figures(b).items()}


def drawn_files(b: Briefing, public: infographic.PublicHeadline, drawing: Drawing, chromium: png.Renderer,
                progress: Progress = lambda _: None) -> dict[str, bytes]:
    """The files made of the queued images: chart PNGs, the one-page PDFs, the public infographic. Each PDF page is
    laid out as soon as its images are drawn, the summary page while Chromium draws the rest."""
    start, end = b.filters.start, b.filters.end
    if drawing.task_force is None:
        queue_last(drawing, b, public, chromium)
    chromium.ready()  # ChromiumMissing for one that failed to start; its futures would not say so
    progress("Membuat ringkasan satu halaman (PDF) …")
    summary_pdf = pdf.build_summary_pdf(b, {name: future.result() for name, future in drawing.summary.items()})
    progress(f"Membuat infografis publik 1080×1080 untuk {public.period.label} (angka rilis publik) …")
    if public.note:
        progress(public.note)
    files = {names.chart_png_name(chart, start, end): future.result() for chart, future in drawing.charts.items()}
    square = drawing.infographic.result()
    progress("Membuat ringkasan Gugus Tugas TPPO (PDF) …")
    files[names.summary_pdf_name(start, end)] = summary_pdf
    files[names.task_force_pdf_name(start, end)] = pdf.build_task_force_pdf(
        b, {name: future.result() for name, future in drawing.task_force.items()})
    files[names.infographic_name(public.period.start, public.period.end)] = square
    return files


def build_with_browser(b: Briefing, public: infographic.PublicHeadline, progress: Progress = lambda _: None,
                       renderer: png.Renderer | None = None) -> dict[str, bytes]:
    """The files Chromium draws: chart PNGs, the one-page PDFs, the public infographic (ChromiumMissing without).

    ``renderer``: one started earlier (the paparan starts it before querying)."""
    with png.rendering(renderer) as chromium:
        drawing = queue_images(b, chromium, progress)
        queue_last(drawing, b, public, chromium)
        return drawn_files(b, public, drawing, chromium, progress)


def write_paparan(b: Briefing, public: infographic.PublicHeadline, out_dir: Path,
                  progress: Progress = lambda _: None, renderer: png.Renderer | None = None,
                  drawing: Drawing | None = None) -> list[Path]:
    """Write every paparan file into out_dir (created if needed); the paths written, in order.

    ``drawing``: the images already queued with ``renderer`` (``queue_images``), drawn while the deck is made."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def write(files: dict[str, bytes]) -> None:
        for name, data in files.items():
            path = out_dir / name
            path.write_bytes(data)
            written.append(path)

    write(build_without_browser(b, public, progress))  # written before Chromium is waited for: they exist without it
    try:
        write(build_with_browser(b, public, progress, renderer) if drawing is None
              else drawn_files(b, public, drawing, renderer, progress))
    except png.ChromiumMissing as exc:
        raise png.ChromiumMissing(f"{exc} Yang sudah ditulis: {', '.join(p.name for p in written)}.") from None
    return written


def parse_month_argument(text: str, option: str) -> dt.date:
    """'2024-03' -> 1 March 2024; a UsageError naming the option otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(f"{option} '{text}' bukan bulan yang sah; tulis tahun-bulan, mis. 2024-01.")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


@dataclass(frozen=True)
class Paparan:
    """What ``paparan_from_database`` wrote, and the public numbers placed on the infographic."""

    files: list[Path]
    public: infographic.PublicHeadline

    def public_json(self) -> dict:
        """The object ``python -m etl paparan --json`` prints: ``public`` lists every public number's release row."""
        p = self.public.period
        return {"public": [n.as_dict() for n in self.public.numbers], "public_period": p.code,
                "public_period_label": f"{p.label} ({p.span})", "note": self.public.note,
                "files": [str(path) for path in self.files]}


def paparan_from_database(db_path: Path, start_text: str, end_text: str, out_dir: Path,
                          progress: Progress = lambda _: None, today: dt.date | None = None,
                          renderer: png.Renderer | None = None) -> Paparan:
    """The command line's work: check the months, read the database read-only, write every paparan file.

    ``renderer``: a Chromium the caller started (and closes: it is used for this paparan only, and shuts down once
    every image is drawn); else one starts here, while the database is read (Chromium takes 1-4 s to start)."""
    from report.disclosure import DisclosureError

    start, end = parse_month_argument(start_text, "--dari"), parse_month_argument(end_text, "--sampai")
    if end < start:
        raise UsageError(f"--sampai {end_text} lebih awal dari --dari {start_text}.")
    own = renderer is None
    renderer = renderer or png.Renderer()
    try:
        try:
            with app_db.read_only(Path(db_path)) as con:
                b = build_briefing(con, start, end, today)
                if b.figures["kasus"] == 0 and b.tables["bulanan"]["korban"].sum() == 0:
                    raise EtlError(f"Tidak ada kasus di database untuk {b.period}; periksa --dari/--sampai atau "
                                   "muat data dulu.")
                progress(f"Bahan paparan {b.period}: {b.headline}")
                try:  # Chromium draws while the release is protected and the deck and tables are made
                    drawing = queue_images(b, renderer, progress)
                except png.ChromiumMissing:
                    drawing = None  # write_paparan writes what needs no Chromium, then says so
                public = public_headline(con, b)
        except (app_db.DatabaseMissing, app_db.DatabaseBusy, DisclosureError) as exc:
            raise EtlError(str(exc)) from exc
        if drawing is not None:
            queue_last(drawing, b, public, renderer)
            renderer.close_when_drawn()  # Chromium shuts down while the pages are laid out
        return Paparan(write_paparan(b, public, out_dir, progress, renderer, drawing), public)
    finally:
        if own:
            renderer.close()
