"""The relay benchmarks run by ``scripts/bench_relay.py``."""
