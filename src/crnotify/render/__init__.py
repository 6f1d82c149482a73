"""Renderers: pure functions from results to strings (text, JSON). No I/O, no YAML. Pinned by golden
files (tests/golden)."""
