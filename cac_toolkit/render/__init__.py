"""Render layer: translations, the report, charts and the Excel workbook.

Reads the KPI dict built by :mod:`cac_toolkit.audit`; computes no figure of its own.
"""
