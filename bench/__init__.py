"""Benchmarks (run with `python -m bench.<name>`); not tests: they measure, and exit non-zero on a miss."""
