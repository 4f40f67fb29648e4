"""Coding edits: one module per edit family, run together by ``engine``."""
