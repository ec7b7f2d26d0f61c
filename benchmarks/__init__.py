"""Benchmarks of the quality bar in PRODUCT.md. Results go to ``benchmarks/results.json`` and
``BENCHMARKS.md`` through ``benchmarks.results``; run ``python -m benchmarks --help``."""
