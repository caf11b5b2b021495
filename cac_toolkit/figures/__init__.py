"""Figures layer: the method's formulas, counting rules, funnel, cohorts, targets, attribution.

Pure computations on parsed tables; uses :mod:`cac_toolkit.data` and :mod:`cac_toolkit.core`.
"""
