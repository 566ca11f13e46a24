"""Streamlit's own interface words in Indonesian: the upload box's texts, screen-reader labels and hover titles.

Streamlit writes a few English words a user reads or hears ("Collapse sidebar", "Main menu", "Remove …", "File must
be 20.0MB or smaller."). They cannot be configured: the upload box's visible texts are replaced by a style, the
rest (aria-label, title and Plotly's data-title) by one small script (app/assets/interface_words.js) that rewrites the listed words wherever Streamlit draws
them, and does nothing where they are gone (a Streamlit upgrade that renames them only brings the English back).
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from etl.read import MAX_FILE_BYTES, SUPPORTED_SUFFIXES

MAX_MB = MAX_FILE_BYTES // (1024 * 1024)

# (regular expression over a whole aria-label or title, its Indonesian words)
LABELS = (
    ("^Sidebar$", "Bilah samping"),
    ("^Collapse sidebar$", "Tutup bilah samping"),
    ("^Expand sidebar$", "Buka bilah samping"),
    ("^App pages$", "Halaman"),
    ("^Main menu$", "Menu utama"),
    ("^Running\\.\\.\\.$", "Sedang memuat…"),
    ("^Fullscreen$", "Layar penuh"),
    ("^Close fullscreen$", "Tutup layar penuh"),
    ("^Download as CSV$", "Unduh sebagai CSV"),
    ("^Search$", "Cari"),
    ("^Show password( text)?$", "Tampilkan sandi"),
    ("^Hide password( text)?$", "Sembunyikan sandi"),
    ("^Open$", "Buka pilihan"),
    ("^Clear all$", "Hapus semua"),
    ("^Link to heading$", "Tautan ke judul ini"),
    ("^Help for (.+)$", "Bantuan untuk $1"),
    ("^Remove (.+)$", "Hapus $1"),
    ("^Add files$", "Tambah file"),
    ("^file upload$", "pilih file"),
    # Plotly's chart toolbar (its hover titles)
    ("^Download plot as a PNG$", "Unduh grafik (PNG)"),
    ("^Zoom$", "Perbesar bagian"),
    ("^Pan$", "Geser"),
    ("^Zoom in$", "Perbesar"),
    ("^Zoom out$", "Perkecil"),
    ("^Autoscale$", "Skala otomatis"),
    ("^Reset axes$", "Kembalikan tampilan"),
)
# (regular expression over a whole message text, its Indonesian words): the upload box's refusals
TEXTS = (
    ("^(Error: )?File must be .* or smaller\\.$", f"Ditolak: file lebih dari {MAX_MB} MB."),
    ("^(Error: )?.*files are not allowed\\.$", "Ditolak: jenis file ini tidak dapat dimuat."),
)

_SCRIPT = (Path(__file__).parent / "assets" / "interface_words.js").read_text(encoding="utf-8")


def script() -> str:
    """The page script that rewrites the listed words (one per browser page, whatever the reruns)."""
    return _SCRIPT.replace("__WORDS__", json.dumps({"labels": LABELS, "texts": TEXTS}))


def apply() -> None:
    """Add the script to the page (the entry script calls it after the page, so it takes no room above content)."""
    st.html(f"<script>{script()}</script>", unsafe_allow_javascript=True)


def uploader_style() -> None:
    """The upload box's visible English ("Browse files", "Drag and drop files here", "Limit 20MB per file") in
    Indonesian, with the loader's own limit and file types."""
    limit = f"maks. {MAX_MB} MB tiap file • {', '.join(s.lstrip('.').upper() for s in SUPPORTED_SUFFIXES)}"
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] span {{ display: none; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"]::after
  {{ content: "Pilih file"; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{ content: "atau seret file ke sini · {limit}";
  opacity: 0.7; }}
</style>""")
