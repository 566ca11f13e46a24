"""`python -m benchmarks.run [NAME ...] [-- OPTIONS]`: run the named benchmarks (all when none is named)."""

from __future__ import annotations

import importlib
import sys

# benchmark name -> module with main(argv) -> int; add new benchmarks here
BENCHMARKS = {"loader": "benchmarks.loader", "dashboard": "benchmarks.dashboard"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    options = argv[argv.index("--") + 1:] if "--" in argv else []
    names = [a for a in (argv[: argv.index("--")] if "--" in argv else argv)] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"Benchmark tidak dikenal: {', '.join(unknown)}. Pilihan: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        status |= importlib.import_module(BENCHMARKS[name]).main(options)
    return status


if __name__ == "__main__":
    sys.exit(main())
