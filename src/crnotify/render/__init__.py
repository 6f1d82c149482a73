"""Renderers: pure functions from plans and reports to strings. Pinned by golden files (tests/golden)."""
