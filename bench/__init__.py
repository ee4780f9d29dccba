"""The benchmark harness (`python -m bench`, `make bench`): bench/run.py, docs/benchmarks.md."""
