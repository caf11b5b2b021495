"""Audit layer: parameters, the KPI file and the runner that executes the audit notebook.

Uses the figures, data and core layers; the render layer is reached only through the executed
notebook, never imported.
"""
