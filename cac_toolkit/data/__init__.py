"""Data layer: the contract's tables (one declarative description), their readers, the generator.

Uses :mod:`cac_toolkit.core` only.
"""

# The raw-export reader plugs itself into loading.load_folder (sources.yaml folders).
from cac_toolkit.data import sources as _sources  # noqa: E402, F401
