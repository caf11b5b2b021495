"""Raw client exports read through ``sources.yaml``: presets for CRM, ledger and ad platforms.

``presets`` is the declarative part (headers, defaults, the default PCG account map);
``config`` reads and checks ``sources.yaml``; ``engine`` applies a source to its file and the
families ``crm``, ``fec`` and ``ads`` fill the contract columns; ``folder`` joins the sources
into the audit data and writes ``prepare``'s contract folder; ``report`` is the mapping
report. ``docs/importing.md`` is the user-facing description.
"""

from cac_toolkit.data.loading import use_sources_reader
from cac_toolkit.data.sources.config import SOURCES_FILE, read_sources
from cac_toolkit.data.sources.folder import Loaded, load_sources, prepare, read_folder

# load_folder reads a folder with a sources.yaml through this package (which imports it).
use_sources_reader(load_sources)

__all__ = ["SOURCES_FILE", "Loaded", "load_sources", "prepare", "read_folder", "read_sources"]
