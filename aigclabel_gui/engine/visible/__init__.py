"""Explicit labels, one module per media kind, each with `apply_explicit(...)`."""
