"""Benchmarks (not timed tests): `make bench` runs them and prints figures for docs/performance.md."""
