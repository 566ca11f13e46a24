"""Unggah Data: check agencies' files before loading, return a marked copy, teach the loader, then load."""

import pandas as pd
import streamlit as st

from app import interface_words
from app.filters import select_many, select_one
from app.frame import literal, static_table
from app.operator import LOAD_STATUS_LABELS, begin_operator_page, reading
from etl import columns, inspect, load, markup, summary, vocab, writer
from etl.model import EtlError

# Up to this many row problems are shown as a table whose messages wrap; more scroll in a data grid.
PROBLEMS_WRAPPED = 50

begin_operator_page()
st.title("Unggah Data")
st.caption("Periksa file dari lembaga sebelum disimpan. Tidak ada yang masuk ke database sebelum Anda menekan "
           "tombol **Muat ke database**. Yang disimpan dari file yang dimuat: data per korban tanpa nama, NIK, "
           "alamat, nomor telepon dan isi Keterangan (di database), serta salinan file dengan kolom-kolom itu "
           "dikosongkan (arsip), selama database dipakai; cadangan database: 10 terbaru (bawaan). File asli tidak "
           "disimpan.")

interface_words.uploader_style()  # the upload box's own texts in Indonesian

agency_choice = select_one(st, "Lembaga pengirim", ["(kenali otomatis)", *vocab.agency_codes()], key="agency",
                            help="Pilih bila lembaga tidak dikenali dari isi atau nama file.")
agency = None if agency_choice.startswith("(") else agency_choice
# no `type=`: a file of another type is not refused by the box in English; the check below says why in Indonesian
uploads = st.file_uploader("File workbook dari lembaga (boleh beberapa sekaligus)", key="uploads",
                           accept_multiple_files=True)
# (upload, agency) -> Inspection: the parsed batch held between checking and loading, parsed and hashed once
checked = st.session_state.setdefault("checked", {})

inspections = []
with reading() as con:
    for upload in uploads or []:
        key = (upload.file_id, agency)
        if key not in checked:
            checked[key] = inspect.check_upload(upload.getvalue(), upload.name, agency, con)
        inspections.append((upload.name, checked[key]))

# A file's name, sheets, headers, wordings and the messages quoting them are the agency's text: shown as written
# (``literal``), never read as Markdown.
for index, (name, result) in enumerate(inspections):
    st.subheader(literal(name))
    for notice in result.notices:
        st.info(literal(notice), icon=":material/info:")
    if result.error:
        st.error(literal(result.error))
    if result.unmapped:
        sheet = result.unmapped[0]
        st.markdown(f"**Ajari pemuat membaca tata letak ini** — lembar '{literal(sheet.sheet)}', baris judul "
                    f"{sheet.header_row}. Pilih arti setiap judul kolom, lalu simpan sebagai profil lembaga.")
        with st.form(f"profile_{index}"):
            teach_agency = select_one(st, "Profil untuk lembaga", vocab.agency_codes(), key=f"profile_agency_{index}",
                                      index=vocab.agency_codes().index(agency) if agency else 0)
            choices = {}
            fields = ["", *columns.FIELDS]
            for header in sheet.headers:
                current = sheet.mapped.get(header, "")
                choices[header] = select_one(st, literal(header), fields, index=fields.index(current),
                                             format_func=lambda f: columns.FIELDS.get(f, "— pilih —"),
                                             key=f"map_{index}_{header}")
            if st.form_submit_button("Simpan profil kolom dan periksa ulang"):
                columns.save_profile(teach_agency, {h: f for h, f in choices.items() if f})
                checked.clear()
                st.rerun()
    if not result.parsed:
        continue
    static_table(st, pd.DataFrame(inspect.detected_summary(result).items(), columns=["Terdeteksi", "Nilai"]))
    if result.outcome == "sudah_dimuat":
        st.info("File yang sama persis sudah pernah dimuat; memuatnya lagi tidak mengubah apa pun.")
    elif result.status in ("held", "failed"):  # read and parsed, but it would replace badly or stand for nothing
        (st.warning if result.status == "held" else st.error)(literal(result.result.message))
    elif result.outcome == "mengganti":
        for old in result.replaces:
            months = ", ".join(inspect.month_label(m) for m in old["months"])
            st.warning(f"Akan menggantikan data {result.parsed.agency} bulan {months} dari file "
                       f"'{literal(old['file_name'])}' (dimuat {old['loaded_at']:%d-%m-%Y %H:%M}): {old['before']} → "
                       f"{old['after']} korban.")
    problems = inspect.problems_table(result)
    if problems:
        st.markdown(f"**Masalah per baris** ({result.parsed.rows_rejected} baris ditolak, "
                    f"{len(result.parsed.warnings)} peringatan)")
        # a problem of the whole file or sheet has no row or column: an empty cell, not the word "None"
        table = pd.DataFrame(problems).astype({"Baris": "Int64"})
        table[["Lembar", "Kolom"]] = table[["Lembar", "Kolom"]].fillna("")
        if len(table) <= PROBLEMS_WRAPPED:  # the messages are sentences: shown whole, wrapped
            static_table(st, table)
        else:  # a long list scrolls; the marked copy below holds every message beside its row
            st.dataframe(table, hide_index=True, width="stretch",
                         column_config={"Pesan": st.column_config.TextColumn("Pesan", width="large")})
        if result.marked_error:
            st.warning(literal(result.marked_error))
        if result.marked:
            st.download_button("Unduh file lembaga dengan tanda masalah (untuk dikirim balik)", result.marked,
                               file_name=markup.marked_file_name(name), key=f"marked_{index}",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        st.success("Tidak ada masalah per baris.")
    for w, wording in enumerate(result.unknown_wordings):
        with st.form(f"alias_{index}_{w}"):
            st.markdown(f"Istilah **'{literal(wording)}'** belum dikenal. Termasuk bentuk kekerasan apa?")
            forms = select_many(st, "Bentuk kekerasan", [v.code for v in vocab.violence_types()],
                                format_func=lambda c: {v.code: v.label for v in vocab.violence_types()}[c],
                                key=f"alias_forms_{index}_{w}")
            if st.form_submit_button("Simpan istilah dan periksa ulang"):
                try:
                    columns.add_violence_alias(wording, forms)
                except EtlError as exc:
                    st.error(literal(exc))
                else:
                    checked.clear()
                    st.rerun()

loadable = [result for _, result in inspections if result.loadable]
if inspections:
    st.divider()
    if len(loadable) < len(inspections):
        st.caption(f"{len(inspections) - len(loadable)} file tidak dapat dimuat dan akan dilewati.")
    replace_partial = False
    if any(result.status == "held" for result in loadable):
        replace_partial = st.checkbox("Tetap ganti data lama walau bulannya berkurang (file yang ditahan di atas)",
                                      key="replace_partial")
    if st.button(f"Muat {len(loadable)} file ke database", type="primary", disabled=not loadable, key="confirm"):
        bar = st.progress(0.0, text="Memuat…")

        def advance(done: int, total: int, outcome: load.FileResult) -> None:
            bar.progress(done / total, text=f"{done} dari {total} file: {literal(loadable[done - 1].file_name)}")

        outcomes, removed = [], []
        try:
            # the same pipeline as `python -m etl load`, on a swapped copy; a killed load's leftovers go first
            with writer.writing(removed=removed) as con:
                report = load.store_checked(con, [result.checked for result in loadable], advance,
                                            replace_partial=replace_partial)
            outcomes = [{"File": result.file_name, "Hasil": LOAD_STATUS_LABELS[outcome.status],
                         "Baris dimuat": outcome.rows_loaded, "Baris ditolak": outcome.rows_rejected,
                         "Keterangan": outcome.message or ""} for result, outcome in zip(loadable, report.files)]
        except EtlError as exc:
            st.error(literal(exc))
        st.session_state["outcomes"] = outcomes
        st.session_state["leftovers"] = summary.leftovers_sentence(removed) if removed else None
        checked.clear()

if st.session_state.get("leftovers"):
    st.info(literal(st.session_state["leftovers"]), icon=":material/cleaning_services:")
if st.session_state.get("outcomes"):
    st.subheader("Hasil pemuatan")
    st.dataframe(pd.DataFrame(st.session_state["outcomes"]), hide_index=True, width="stretch",
                 column_config={"Keterangan": st.column_config.TextColumn("Keterangan", width="large")})
    st.caption("Pemuatan dapat dibatalkan di halaman Riwayat & Pembatalan.")
