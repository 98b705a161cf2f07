"""Explicit labels, one handler per media kind behind the `ExplicitLabeler` Protocol (base.py:
plan() -> a typed plan, apply(plan, ...) -> ExplicitReport), registered in `base.HANDLERS`. Each
module also keeps `apply_explicit(src, dst, info, settings)`, plan then apply in one call."""
