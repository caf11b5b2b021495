"""Data layer: the contract's tables (one declarative description), their readers, the generator.

Uses :mod:`cac_toolkit.core` only.
"""
