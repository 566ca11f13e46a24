"""Command line: ``python -m etl COMMAND``. The only place where exceptions become sentences and exit codes.

Exit codes: 0 success (rows may be rejected), 1 a file or step failed, 2 usage error.
Each command's work lives in the module named in its handler; this file only parses options and reports.
"""

from __future__ import annotations

import argparse
import sys

from etl.model import EtlError, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors also exit 2, in Indonesian
        self.print_usage(sys.stderr)
        print(f"Kesalahan penggunaan: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m etl", description="Memuat dan mengelola data kasus kekerasan perempuan dan anak.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("load", help="muat file/folder workbook ke database")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--agency", help="kode lembaga (mis. UPTD_PPA); mengisi atau menimpa yang terdeteksi")
    p.add_argument("--db", help="file database (bawaan: $PPA_DB atau data/ppa.duckdb)")
    p.add_argument("--json", action="store_true", help="ringkasan JSON di stdout")

    p = sub.add_parser("rebuild", help="bangun ulang database dari arsip data/raw")
    p.add_argument("--db")

    p = sub.add_parser("template", help="tulis template resmi (register dan rekap) ke folder")
    p.add_argument("--out", required=True, metavar="DIR")

    p = sub.add_parser("demo", help="buat data contoh sintetis dan muat ke database")
    p.add_argument("--db")

    p = sub.add_parser("duplicates", help="daftar pasangan korban yang dilaporkan dua lembaga")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
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

if __name__ == "__main__":
    sys.exit(main())
