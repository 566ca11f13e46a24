"""Riwayat & Pembatalan: every submission with its status, and undoing one (what it replaced comes back)."""

import pandas as pd
import streamlit as st

from app.operator import begin_operator_page, reading
from etl import history, vocab
from etl.model import EtlError

begin_operator_page()
st.title("Riwayat & Pembatalan")
st.caption("Setiap file yang pernah dimuat. Membatalkan sebuah kiriman menghapus datanya; kiriman lama yang "
           "digantikannya berlaku lagi. Sama dengan perintah `python -m etl undo ID`.")

if done := st.session_state.pop("undo_done", None):
    st.success(done)

with reading() as con:
    entries = history.history(con) if con is not None else []
if not entries:
    st.info("Belum ada kiriman yang dimuat.")
    st.stop()

table = pd.DataFrame([{
    "ID": e["submission_id"][:12], "Dimuat": e["loaded_at"], "Lembaga": vocab.agency_name(e["agency"]),
    "File": e["file_name"],
    "Bentuk": "register" if e["shape"] == "register" else "rekap",
    "Bulan": ", ".join(m.strftime("%m/%Y") for m in sorted(e["months"])),
    "Status": history.STATUS_LABELS.get(e["status"], e["status"]),
    "Baris dimuat": e["rows_loaded"], "Baris ditolak": e["rows_rejected"], "Catatan berlaku": e["records_standing"],
} for e in entries])
st.dataframe(table, hide_index=True, column_config={"Dimuat": st.column_config.DatetimeColumn(format="DD-MM-YYYY HH:mm")})

st.subheader("Batalkan kiriman")
undoable = {e["submission_id"]: e for e in entries if e["status"] != "undone"}
choice = st.selectbox("Kiriman", list(undoable), key="undo_choice",
                      format_func=lambda s: f"{s[:12]} — {vocab.agency_name(undoable[s]['agency'])} — "
                                            f"{undoable[s]['file_name']}")
confirm = st.checkbox("Saya yakin: data dari kiriman ini dihapus dari dasbor", key="undo_confirm")
if st.button("Batalkan kiriman", type="primary", disabled=not (choice and confirm), key="undo"):
    try:
        result = history.undo(None, choice)
    except EtlError as exc:
        st.error(str(exc))
    else:
        restored = "; ".join(f"{sid[:12]} berlaku lagi untuk {', '.join(m.strftime('%m/%Y') for m in months)}"
                             for sid, months in result.restored.items())
        st.session_state["undo_done"] = (f"Kiriman {result.submission_id[:12]} ({result.file_name}) dibatalkan: "
                                         f"{result.records_removed} catatan dihapus." + (f" {restored}." if restored else ""))
        st.rerun()
