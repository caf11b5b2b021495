"""The installed package's version, stated in every KPI file, report and workbook."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cac-toolkit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
