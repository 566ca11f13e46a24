"""Command line: ``python -m etl COMMAND``. The only place where exceptions become sentences and exit codes.

Exit codes: 0 success (rows may be rejected), 1 a file or step failed, 2 usage error.
Each command's work lives in the module named in its handler; this file only parses options and reports.
"""

from __future__ import annotations

import argparse
import re
import sys
from contextlib import contextmanager

from etl.errors import EtlError, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
ARGPARSE_WORDS = (("the following arguments are required:", "argumen berikut wajib diisi:"),
                  ("unrecognized arguments:", "argumen tidak dikenal:"), ("invalid choice:", "pilihan tidak dikenal:"),
                  ("choose from", "pilih dari"), ("expected one argument", "butuh satu nilai"),
                  ("argument ", "argumen "), ("invalid int value:", "bukan bilangan bulat:"))
DB_HELP = "file database (bawaan: pengaturan db di ppa.toml, $PPA_DB, atau data/ppa.duckdb)"


def _help_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-h", "--help", action="help", help="tampilkan bantuan ini lalu keluar")


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        wants_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "argumen"
        self._optionals.title = "pilihan"
        if wants_help:
            _help_option(self)

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "penggunaan:", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "penggunaan:", 1)

    def error(self, message: str) -> None:  # argparse's own usage errors also exit 2, in Indonesian
        for english, indonesian in ARGPARSE_WORDS:
            message = message.replace(english, indonesian)
        self.print_usage(sys.stderr)
        print(f"Kesalahan penggunaan: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


VERBOSE_HELP = "tampilkan juga catatan teknis pembaca file (berbahasa Inggris) di stderr"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m etl", description="Memuat dan mengelola data kasus kekerasan perempuan dan anak.",
                     add_help=False)
    _help_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, title="perintah",
                                metavar="PERINTAH", help="perintah yang dijalankan (PERINTAH --help: pilihannya)")

    p = sub.add_parser("load", help="muat file/folder workbook ke database")
    p.add_argument("paths", nargs="+", metavar="PATH", help="file workbook atau folder berisi workbook")
    p.add_argument("--agency", help="kode lembaga (mis. UPTD_PPA); mengisi atau menimpa yang terdeteksi")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--json", action="store_true", help="ringkasan JSON di stdout")
    p.add_argument("--ganti-sebagian", dest="replace_partial", action="store_true",
                   help="tetap mengganti data lama walau bulan itu berkurang karena ada baris ditolak")
    p.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)

    p = sub.add_parser("inspect", help="periksa file/folder workbook tanpa menyimpan apa pun")
    p.add_argument("paths", nargs="+", metavar="PATH", help="file workbook atau folder berisi workbook")
    p.add_argument("--agency", help="kode lembaga (mis. UPTD_PPA); mengisi atau menimpa yang terdeteksi")
    p.add_argument("--db", help="database pembanding (bawaan: $PPA_DB atau data/ppa.duckdb); tidak diubah")
    p.add_argument("--json", action="store_true", help="ringkasan JSON di stdout")
    p.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)

    p = sub.add_parser("rebuild", help="bangun ulang database dari arsip data/raw")
    p.add_argument("--db", help=DB_HELP)

    p = sub.add_parser("template", help="tulis template resmi (register dan rekap) ke folder")
    p.add_argument("--out", required=True, metavar="DIR", help="folder tujuan (dibuat bila belum ada)")

    p = sub.add_parser("demo", help="buat data contoh sintetis untuk wilayah yang diatur dan muat ke database")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--jika-belum-ada", dest="if_missing", action="store_true",
                   help="hanya bila database belum ada (database yang sudah ada tidak disentuh); "
                        "membuat juga akun operator 'demo'")

    p = sub.add_parser("duplicates", help="daftar pasangan korban yang dilaporkan dua lembaga")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--json", action="store_true", help="keluaran JSON di stdout (untuk program lain)")

    p = sub.add_parser("users", help="kelola akun staf (analis, operator)")
    users = p.add_subparsers(dest="users_command", required=True, parser_class=_Parser, title="perintah akun",
                             metavar="PERINTAH_AKUN", help="add, list, remove atau ensure-demo")
    users_db = _Parser(add_help=False)
    users_db._optionals.title = "pilihan file akun"
    users_db.add_argument("--db", help="akun disimpan di users.json di samping database (atau $PPA_USERS)")
    q = users.add_parser("add", parents=[users_db],
                         help="tambah akun; kata sandi dari prompt, atau dari stdin bila bukan terminal")
    q.add_argument("name", metavar="NAMA", help="nama pengguna")
    q.add_argument("--role", required=True, choices=["analis", "operator"], help="peran akun: analis atau operator")
    q.add_argument("--replace", action="store_true", help="ganti kata sandi/peran akun yang sudah ada")
    users.add_parser("list", parents=[users_db], help="daftar akun (tanpa kata sandi)")
    q = users.add_parser("remove", parents=[users_db], help="hapus akun")
    q.add_argument("name", metavar="NAMA", help="nama pengguna yang dihapus")
    q = users.add_parser("unlock", parents=[users_db], help="buka kunci akun (semua alamat yang terkunci)")
    q.add_argument("name", metavar="NAMA", help="nama pengguna yang kuncinya dibuka")
    users.add_parser("ensure-demo", parents=[users_db],
                     help="buat akun operator 'demo' dengan kata sandi acak (dicetak sekali)")

    p = sub.add_parser("history", help="daftar semua kiriman: file, lembaga, bulan, status, jumlah baris")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--json", action="store_true", help="keluaran JSON di stdout (untuk program lain)")

    p = sub.add_parser("undo", help="batalkan satu kiriman; kiriman yang digantikannya berlaku lagi")
    p.add_argument("submission_id", metavar="SUBMISSION_ID", help="ID kiriman (atau minimal 6 karakter awalnya)")
    p.add_argument("--db", help=DB_HELP)

    p = sub.add_parser("backups", help="daftar cadangan database (dibuat otomatis sebelum setiap pemuatan)")
    p.add_argument("--db", help=DB_HELP)

    p = sub.add_parser("restore", help="pulihkan database dari cadangan (database saat ini dicadangkan dulu)")
    p.add_argument("backup", metavar="CADANGAN", help="nama file cadangan, mis. ppa-20241105-101500-000000.duckdb")
    p.add_argument("--db", help=DB_HELP)

    p = sub.add_parser("publish", help="tulis database publik: hanya agregat yang sudah dilindungi")
    p.add_argument("--out", required=True, metavar="PATH", help="file database publik yang ditulis")
    p.add_argument("--db", help=DB_HELP)

    p = sub.add_parser("paparan", help="tulis bahan paparan: PowerPoint, PDF satu halaman, grafik PNG, infografis")
    p.add_argument("--dari", required=True, metavar="YYYY-MM", help="bulan pertama, mis. 2024-01")
    p.add_argument("--sampai", required=True, metavar="YYYY-MM", help="bulan terakhir, mis. 2024-10")
    p.add_argument("--out", required=True, metavar="DIR", help="folder tujuan (dibuat bila belum ada)")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--json", action="store_true",
                   help="cetak JSON: angka publik infografis (baris rilis publik) dan file yang ditulis")

    p = sub.add_parser("config", help="tampilkan pengaturan yang berlaku dan asal masing-masing")

    return parser


# A file's cells, sheet names and its name reach what a command prints, and a terminal obeys the escape codes among
# them (colours, a line rewritten, the screen cleared, a bell). Printed, every control character but tab, new line
# and carriage return (the progress bar's) is shown as U+FFFD; JSON output escapes them itself.
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _Printable:
    """A text stream that writes every ``_TERMINAL_CONTROL`` character as U+FFFD."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(_TERMINAL_CONTROL.sub("\ufffd", text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(sys.stdout), _Printable(sys.stderr)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "verbose", False):
        from etl import read
        read.show_reader_logs(True)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:
        # the reader went away (`python -m etl history | head`): stop quietly, and let the interpreter's final
        # flush of stdout go nowhere instead of raising a second time
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except UsageError as exc:
        print(f"Kesalahan penggunaan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EtlError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("Dibatalkan.", file=sys.stderr)
        return EXIT_FAILED


# command name -> handler(args) -> exit code; handlers are added next to the parser entries above.
COMMANDS: dict = {}


@contextmanager
def _existing_db(path):
    """A read-only connection to a database that must already exist (a usage error otherwise)."""
    from etl import db
    target = db.db_path(path)
    if not target.exists():
        raise UsageError(f"Database {target} tidak ada. Muat data dulu (python -m etl load ...).")
    con = db.connect(target, read_only=True)
    try:
        yield con
    finally:
        con.close()


def _cmd_load(args) -> int:
    import json
    from etl import load, summary
    progress = None if args.json else summary.ProgressBar(sys.stderr)
    report = load.load_files(args.paths, agency=args.agency, db=args.db, progress=progress,
                             replace_partial=args.replace_partial)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(summary.load_summary(report))
    return EXIT_FAILED if report.any_failed else EXIT_OK


def _cmd_inspect(args) -> int:
    import json
    from etl import load, summary
    report = load.inspect_files(args.paths, agency=args.agency, db=args.db)
    if args.json:
        print(json.dumps({**report.as_dict(), "files": [f.inspection_dict() for f in report.files]},
                         ensure_ascii=False, indent=2))
    else:
        print(summary.inspect_summary(report))
    return EXIT_FAILED if report.any_failed else EXIT_OK


def _cmd_rebuild(args) -> int:
    from etl import db, load, summary
    report = load.rebuild(args.db, progress=summary.ProgressBar(sys.stderr))
    print(f"Database {db.db_path(args.db)} dibangun ulang dari arsip: {summary.number(len(report.files))} file, "
          f"{summary.number(report.rows_loaded)} baris dimuat.")
    for left_out in (f for f in report.files if f.status == "failed"):  # stored by an older version (ledger rules)
        print(f"  Dilewati: {left_out.message}")
    if report.records_lost:
        print(f"PERHATIAN: database baru berisi {summary.number(report.records_after)} catatan, "
              f"{summary.number(report.records_lost)} lebih sedikit dari sebelumnya. Database lama disimpan sebagai "
              f"cadangan {report.backup.name}; pulihkan dengan `python -m etl restore {report.backup.name}` "
              "bila ini tidak diharapkan.")
    return EXIT_OK


def _cmd_template(args) -> int:
    from etl import template
    for path in template.write_templates(args.out):
        print(f"Template ditulis: {path}")
    return EXIT_OK


def _cmd_demo(args) -> int:
    from etl import db, demo, summary, users, vocab
    target = db.db_path(args.db)
    if args.if_missing and target.exists():
        print(f"Database {target} sudah ada; data contoh tidak dibuat.")
        return EXIT_OK
    report = demo.build_demo(args.db)
    print(f"Database contoh (DATA CONTOH SINTETIS) untuk {vocab.region().name} dibuat di {target}: "
          f"{summary.number(len(report.files))} file, {summary.number(report.rows_loaded)} baris dimuat.")
    if args.if_missing:
        password = users.ensure_demo(users.users_path(args.db))
        if password:
            print(f"Akun demo dibuat: nama pengguna '{users.DEMO_USER}', kata sandi '{password}' "
                  "(hanya ditampilkan sekali ini).")
    return EXIT_OK


def _cmd_duplicates(args) -> int:
    import json
    from etl import db, dedupe, summary
    with _existing_db(args.db) as con:
        pairs = dedupe.duplicate_pairs(con)
    print(json.dumps(pairs, default=str, ensure_ascii=False, indent=2) if args.json
          else summary.duplicates_text(pairs))
    return EXIT_OK


COMMANDS.update(load=_cmd_load, inspect=_cmd_inspect, rebuild=_cmd_rebuild, template=_cmd_template, demo=_cmd_demo,
                duplicates=_cmd_duplicates)



def _read_new_password() -> str:
    import getpass
    if sys.stdin.isatty():
        first = getpass.getpass("Kata sandi: ")
        if getpass.getpass("Ulangi kata sandi: ") != first:
            raise UsageError("Kedua kata sandi tidak sama.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _cmd_users(args) -> int:
    from etl import users
    path = users.users_path(args.db)
    if args.users_command == "add":
        users.add_user(args.name, args.role, _read_new_password(), path, replace=args.replace)
        print(f"Akun '{args.name.strip().lower()}' ({args.role}) disimpan di {path}.")
    elif args.users_command == "list":
        for u in users.list_users(path):
            locks = "".join(f"  terkunci untuk {client} s.d. {until}" for client, until in u["locked_clients"].items())
            print(f"{u['name']}\t{u['role']}{locks}")
    elif args.users_command == "unlock":
        count = users.unlock(args.name, path)
        print(f"Akun '{args.name.strip().lower()}' dibuka: kunci {count} alamat dihapus, hitungan gagal direset.")
    elif args.users_command == "remove":
        users.remove_user(args.name, path)
        print(f"Akun '{args.name.strip().lower()}' dihapus.")
    elif args.users_command == "ensure-demo":
        password = users.ensure_demo(path)
        if password:
            print(f"Akun demo dibuat: nama pengguna '{users.DEMO_USER}', kata sandi '{password}' "
                  "(hanya ditampilkan sekali ini).")
    return EXIT_OK


def _cmd_publish(args) -> int:
    from etl import db
    from report import release
    summary = release.publish(db.db_path(args.db), args.out)
    print(f"Database publik ditulis ke {args.out}: {summary['tables']} tabel, {summary['periods']} periode.")
    return EXIT_OK


HISTORY_HEADER = (f"{'ID kiriman':<12}  {'diterima':<16}  {'lembaga':<10} {'bulan':<16} {'status':<11} "
                  "baris  file")


def _cmd_history(args) -> int:
    import json
    from etl import db, history, summary
    with _existing_db(args.db) as con:
        entries = history.history(con)
    if args.json:
        print(json.dumps(history.history_json(entries), ensure_ascii=False, indent=2))
        return EXIT_OK
    if entries:
        print(HISTORY_HEADER)
    for e in entries:
        months = sorted(e["months"])
        period = months[0].strftime("%Y-%m") + (f"..{months[-1]:%Y-%m}" if len(months) > 1 else "")
        print(f"{e['submission_id'][:12]}  {e['loaded_at']:%d-%m-%Y %H:%M}  {e['agency']:<10} {period:<16} "
              f"{history.STATUS_LABELS.get(e['status'], e['status']):<11} {summary.number(e['rows_loaded'])} dimuat, "
              f"{summary.number(e['rows_rejected'])} ditolak  {e['file_name']}")
    if not entries:
        print("Belum ada kiriman.")
    return EXIT_OK


def _cmd_undo(args) -> int:
    from etl import history
    result = history.undo(args.db, args.submission_id)
    print(f"Kiriman {result.submission_id[:12]} ({result.file_name}, {result.agency}) dibatalkan: "
          f"{result.records_removed} catatan dihapus.")
    for sid, months in result.restored.items():
        print(f"  Kiriman {sid[:12]} berlaku lagi untuk {', '.join(m.strftime('%Y-%m') for m in months)}.")
    return EXIT_OK


def _cmd_backups(args) -> int:
    from etl import backups, db
    found = backups.list_backups(db.db_path(args.db))
    for path in found:
        print(f"{path.name}\t{path.stat().st_size // 1024} KB")
    if not found:
        print(f"Belum ada cadangan di {backups.backup_dir(db.db_path(args.db))}.")
    return EXIT_OK


def _cmd_restore(args) -> int:
    from etl import db, writer
    used = writer.restore(args.db, args.backup)
    print(f"Database {db.db_path(args.db)} dipulihkan dari {used.name} (database sebelumnya dicadangkan dulu).")
    return EXIT_OK


COMMANDS.update(history=_cmd_history, undo=_cmd_undo, backups=_cmd_backups, restore=_cmd_restore)
COMMANDS["users"] = _cmd_users
COMMANDS["publish"] = _cmd_publish


def _cmd_paparan(args) -> int:
    # Chromium starts first (1-4 s), while pandas, Plotly and the report modules import and the database is read
    from report.exports import chromium
    renderer = chromium.Renderer()
    try:
        from report.exports import bundle
        from etl import db
        done = bundle.paparan_from_database(db.db_path(args.db), args.dari, args.sampai, args.out,
                                            progress=lambda line: print(line, file=sys.stderr), renderer=renderer)
    finally:
        renderer.close()
    if args.json:
        import json
        print(json.dumps(done.public_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    for path in done.files:
        print(f"Ditulis: {path}")
    return EXIT_OK


COMMANDS["paparan"] = _cmd_paparan


def _cmd_config(args) -> int:
    from etl import settings, vocab
    print(f"File pengaturan: {settings.config_path()}"
          + ("" if settings.config_path().is_file() else " (belum ada; semua nilai dari lingkungan atau bawaan)"))
    for setting, value, origin in settings.in_force():
        print(f"{setting.key:<13} = {value if value is not None else '(tidak diatur)'}\n"
              f"{'':<16}{setting.meaning}; dari {origin}")
    try:
        region = vocab.region()
        print(f"Wilayah: {region.name} (kode {region.code}), {len(vocab.districts())} kecamatan, "
              f"{len(vocab.agencies())} lembaga pelapor")
    except (OSError, ValueError) as exc:
        print(f"Wilayah: belum dapat dibaca: {exc}")
        return EXIT_FAILED
    return EXIT_OK


COMMANDS["config"] = _cmd_config

# Commands after which the process ends without tearing down its modules: Python spends ~0.3 s freeing pandas',
# pyarrow's, Plotly's, python-pptx's and reportlab's objects after a paparan (docs/performance.md, "Session 19"),
# which nothing needs: its files are written, Chromium and the database closed.
WITHOUT_TEARDOWN = frozenset({"paparan"})


def exit_without_teardown(code: int) -> None:
    """End the process now: atexit handlers and logging's shutdown run and stdout and stderr are flushed, as at a
    normal exit; only the freeing of every module's objects is skipped."""
    import atexit
    import logging
    import os

    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    code = main()
    if sys.argv[1:2] and sys.argv[1] in WITHOUT_TEARDOWN:
        exit_without_teardown(code)
    sys.exit(code)
