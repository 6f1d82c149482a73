"""Renderers: pure functions from results to strings (text, JSON). No I/O, no click, no YAML."""
