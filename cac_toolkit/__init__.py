"""cac-toolkit: the economics of B2B customer acquisition.

CAC (global, marketing, sales, per channel with pooled costs allocated), LTV,
LTV/CAC, payback, funnel KPIs, attribution, cohorts and parameterised audits.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cac-toolkit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
