"""Riwayat & Pembatalan: every submission with its status, and undoing one (what it replaced comes back)."""

import pandas as pd
import streamlit as st

from app.filters import select_one
from app.frame import literal
from app.operator import begin_operator_page, reading
from etl import history, vocab
from etl.model import EtlError
from report import format as fmt

begin_operator_page()
st.title("Riwayat & Pembatalan")
st.caption("Setiap file yang pernah dimuat. Membatalkan sebuah kiriman menghapus datanya; kiriman lama yang "
           "digantikannya berlaku lagi.")

if done := st.session_state.pop("undo_done", None):
    st.success(done)

with reading() as con:
    entries = history.history(con) if con is not None else []
if not entries:
    st.info("Belum ada kiriman yang dimuat.")
    st.stop()

# Every fact of a file in the width of a laptop screen (1280 px): short agency codes and the submission's code in
# the undo choice below (with the agency's full name), months as runs, the row counts together.
table = pd.DataFrame([{
    "Dimuat": e["loaded_at"],
    "Lembaga": e["agency"].replace("_", " ") + (" (rekap)" if e["shape"] != "register" else ""),
    "File": e["file_name"], "Bulan": fmt.month_runs_label(e["months"]),
    "Status": history.STATUS_LABELS.get(e["status"], e["status"]),
    "Baris": f"{e['rows_loaded']} / {e['rows_rejected']}", "Berlaku": e["records_standing"],
} for e in entries])
column = st.column_config
st.dataframe(table, hide_index=True, column_config={
    "Dimuat": column.DatetimeColumn(format="DD-MM-YY HH:mm", width=115),
    "Lembaga": column.TextColumn(width=135),
    "File": column.TextColumn(width=230),
    "Bulan": column.TextColumn(width=100),
    "Status": column.TextColumn(width=85),
    "Baris": column.TextColumn("Baris", width=70, help="Baris dimuat / baris ditolak"),
    "Berlaku": column.NumberColumn("Berlaku", width=65, help="Catatan korban yang kini berlaku dari kiriman ini"),
})

st.subheader("Batalkan kiriman")
undoable = {e["submission_id"]: e for e in entries if e["status"] != "undone"}
choice = select_one(st, "Kiriman", list(undoable), key="undo_choice",
                    format_func=lambda s: f"{s[:8]} — {vocab.agency_name(undoable[s]['agency'])} — "
                                          f"{undoable[s]['file_name']}")
confirm = st.checkbox("Saya yakin: data dari kiriman ini dihapus dari dasbor", key="undo_confirm")
if st.button("Batalkan kiriman", type="primary", disabled=not (choice and confirm), key="undo"):
    try:
        result = history.undo(None, choice)
    except EtlError as exc:
        st.error(literal(exc))
    else:
        restored = "; ".join(f"{sid[:12]} berlaku lagi untuk {', '.join(m.strftime('%m/%Y') for m in months)}"
                             for sid, months in result.restored.items())
        st.session_state["undo_done"] = (f"Kiriman {result.submission_id[:12]} ({literal(result.file_name)}) "
                                         f"dibatalkan: {result.records_removed} catatan dihapus."
                                         + (f" {restored}." if restored else ""))
        st.rerun()
