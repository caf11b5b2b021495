"""Core layer: money in cents, periods, errors, notes on missing figures, text safety, resources.

Imports nothing from the rest of the package; every other layer may use it.
"""
