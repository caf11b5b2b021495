"""``sources.yaml``: read it, check every key, and describe each source.

A client folder may hold a ``sources.yaml`` saying, per contract table (``spend``, ``deals``,
``leads``, ``touchpoints``), which raw export(s) feed it and how: ``file`` (a glob relative to
the folder), ``sheet``, ``preset`` and the overrides ``columns``, ``values``, ``filter``,
``date_format``, ``scale``, ``defaults``, plus the preset's own options; ``channels`` at the
top level maps raw channel values to audit channels in every table. Every mistake is one line
``sources.yaml, line N: ...`` naming what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cac_toolkit.core.errors import InputError
from cac_toolkit.data.contract import DEAL_TYPES, TABLES
from cac_toolkit.data.sources.presets import AMOUNT_KINDS, COMMON_KEYS, DATE_ORDERS, PRESETS, Preset

SOURCES_FILE = "sources.yaml"
_TOP_KEYS = (*TABLES, "channels")
#: The tables whose ``file`` may be a location outside the folder, read in place by the
#: Spark engine (:mod:`cac_toolkit.audit.engines.in_place`): only the rows and aggregates
#: of the selection come back from them.
IN_PLACE_TABLES = ("touchpoints",)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(file: str) -> bool:
    """Whether a source's ``file`` is a URL (``s3a://...``, ``file:///...``)."""
    return bool(_URL.match(file))


def is_location(file: str) -> bool:
    """Whether a source's ``file`` names a table outside the folder: a URL or an absolute
    path (``/data/lake/touchpoints/``), rather than a glob relative to the folder."""
    return is_url(file) or file.startswith("/")


@dataclass
class Source:
    """One raw export feeding one contract table (or, with ``reconcile``, checking spend)."""

    table: str
    file: str
    line: int  # where the source starts in sources.yaml
    preset: Preset | None = None
    sheet: str | int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    filter: dict[str, list[str]] = field(default_factory=dict)
    date_format: str | None = None
    scale: float | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # key -> its line in sources.yaml

    @property
    def name(self) -> str:
        """How the source is named in messages: ``deals`` or ``spend[2]`` (1-based)."""
        return self.table if "index" not in self.options else (
            f"{self.table}[{self.options['index']}]")

    @property
    def reconcile(self) -> bool:
        return bool(self.options.get("reconcile"))

    def where(self, key: str | None = None) -> str:
        """``sources.yaml, line N`` for a key of this source (or the source itself)."""
        return f"{SOURCES_FILE}, line {self.lines.get(key or '', self.line)}"


@dataclass
class SourcesConfig:
    """Everything ``sources.yaml`` says, checked."""

    path: Path
    sources: list[Source]
    channels: dict[str, str] = field(default_factory=dict)

    def for_table(self, table: str) -> list[Source]:
        return [s for s in self.sources if s.table == table and not s.reconcile]

    @property
    def checks(self) -> list[Source]:
        """Sources read only to reconcile with spend (``reconcile: true``)."""
        return [s for s in self.sources if s.reconcile]


class _Node:
    """A YAML value with the line it starts on (1-based)."""

    def __init__(self, value: object, line: int) -> None:
        self.value = value
        self.line = line


def _plain(node: yaml.Node) -> object:
    """A composed YAML node as Python values, mappings and lists of :class:`_Node`."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[object, _Node] = {}
        for key, value in node.value:
            k = yaml.SafeLoader.construct_object(_LOADER, key, deep=True)
            out[k] = _Node(_plain(value), value.start_mark.line + 1)
            out[k].key_line = key.start_mark.line + 1  # type: ignore[attr-defined]
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_Node(_plain(v), v.start_mark.line + 1) for v in node.value]
    del line
    return yaml.SafeLoader.construct_object(_LOADER, node, deep=True)


_LOADER = yaml.SafeLoader("")


def _strip(value: object) -> object:
    """Drop the line numbers: plain Python values."""
    if isinstance(value, _Node):
        return _strip(value.value)
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _error(line: int, message: str, expected: str, got: object = None) -> InputError:
    return InputError(f"{SOURCES_FILE}, line {line}", message, expected=expected, got=got)


def _text(node: _Node, what: str) -> str:
    if isinstance(node.value, bool) or not isinstance(node.value, str | int | float):
        raise _error(node.line, f"{what}: ", "a text value", _strip(node))
    text = str(node.value).strip()
    if not text:
        raise _error(node.line, f"{what}: ", "a non-empty text value", node.value)
    return text


def _mapping(node: _Node, what: str) -> dict[object, _Node]:
    if not isinstance(node.value, dict):
        raise _error(node.line, f"{what}: ", "a mapping (key: value lines)", _strip(node))
    return node.value


def _text_map(node: _Node, what: str) -> dict[str, str]:
    return {_text(_Node(k, getattr(v, "key_line", v.line)), what): _text(v, f"{what}.{k}")
            for k, v in _mapping(node, what).items()}


def _text_list(node: _Node, what: str) -> list[str]:
    items = node.value if isinstance(node.value, list) else [node]
    return [_text(item, what) for item in items]


def read_sources(folder: Path) -> SourcesConfig:
    """Read and check ``folder/sources.yaml`` (which must exist)."""
    path = folder / SOURCES_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(SOURCES_FILE, "", expected="UTF-8 text") from None
    except OSError as exc:
        raise InputError(SOURCES_FILE, f"cannot be read ({exc.__class__.__name__}); ",
                         expected="a readable file") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        raise _error(line, f"not valid YAML ({problem}); ",
                     "YAML such as 'deals: {file: deals.csv, preset: hubspot_deals}'") from None
    if node is None:
        raise _error(1, "the file is empty; ", "at least a spend or deals source")
    root = _Node(_plain(node), node.start_mark.line + 1)
    top = _mapping(root, "the file")
    sources: list[Source] = []
    channels: dict[str, str] = {}
    for key, value in top.items():
        line = getattr(value, "key_line", value.line)
        if key not in _TOP_KEYS:
            raise _error(line, "unknown key; ", f"one of {', '.join(_TOP_KEYS)}", key)
        if key == "channels":
            channels = _text_map(value, "channels")
            continue
        items = value.value if isinstance(value.value, list) else [value]
        for index, item in enumerate(items, start=1):
            sources.append(_source(str(key), item, index if len(items) > 1 else None))
    if not sources:
        raise _error(1, "", "at least one source, such as 'deals: {file: deals.csv, preset: "
                     "hubspot_deals}' (the other tables may stay contract files)")
    return SourcesConfig(path, sources, channels)


def _source(table: str, node: _Node, index: int | None) -> Source:
    what = table if index is None else f"{table}[{index}]"
    if isinstance(node.value, str):  # ``deals: deals-export.csv``
        node = _Node({"file": _Node(node.value, node.line)}, node.line)
    entries = _mapping(node, what)
    keys = {str(k): v for k, v in entries.items()}
    lines = {k: getattr(v, "key_line", v.line) for k, v in keys.items()}
    preset: Preset | None = None
    if "preset" in keys:
        name = _text(keys["preset"], f"{what}.preset")
        if name not in PRESETS:
            raise _error(keys["preset"].line, f"{what}.preset: unknown preset; ",
                         f"one of {', '.join(PRESETS)}", name)
        preset = PRESETS[name]
        if preset.table != table:
            raise _error(keys["preset"].line, f"{what}.preset: {name} reads a {preset.table} "
                         "export; ", f"it under '{preset.table}:'", table)
    allowed = (*COMMON_KEYS, *(preset.options if preset else ()))
    for key, line in lines.items():
        if key not in allowed:
            raise _error(line, f"{what}: unknown key; ", f"one of {', '.join(allowed)}", key)
    if "file" not in keys:
        raise _error(node.line, f"{what}: ", "a file (a name or a glob such as "
                     "'hubspot-crm-exports-*.csv')")
    source = Source(table, _text(keys["file"], f"{what}.file"), node.line, preset, lines=lines)
    if is_location(source.file):
        if table not in IN_PLACE_TABLES or index is not None:
            raise _error(lines["file"], f"{what}.file: a location outside the folder; ",
                         "a file of the folder (only a single touchpoints source may be a "
                         "location)", source.file)
        extra = sorted(set(lines) - {"file"})
        if extra:
            raise _error(lines[extra[0]], f"{what}: a location holds the contract's columns "
                         "(Parquet), read as they are; ", "only file:", extra[0])
    if index is not None:
        source.options["index"] = index
    if "sheet" in keys:
        sheet = keys["sheet"].value
        if isinstance(sheet, bool) or not isinstance(sheet, str | int) or (
                isinstance(sheet, int) and sheet < 0):
            raise _error(keys["sheet"].line, f"{what}.sheet: ", "a sheet name or a 0-based "
                         "index", sheet)
        source.sheet = sheet
    roles = set(TABLES[table].columns) | set(preset.headers if preset else ())
    if "columns" in keys:
        source.columns = _text_map(keys["columns"], f"{what}.columns")
        for column in source.columns:
            if column not in roles:
                raise _error(keys["columns"].line, f"{what}.columns: unknown column; ",
                             f"one of {', '.join(sorted(roles))}", column)
    if "values" in keys:
        for column, mapping in _mapping(keys["values"], f"{what}.values").items():
            if column not in roles:
                raise _error(getattr(mapping, "key_line", mapping.line),
                             f"{what}.values: unknown column; ",
                             f"one of {', '.join(sorted(roles))}", column)
            source.values[str(column)] = _text_map(mapping, f"{what}.values.{column}")
    if "filter" in keys:
        for column, allowed_values in _mapping(keys["filter"], f"{what}.filter").items():
            source.filter[str(column)] = _text_list(allowed_values, f"{what}.filter.{column}")
    if "date_format" in keys:
        source.date_format = _date_format(keys["date_format"], f"{what}.date_format")
    elif preset is not None:
        source.date_format = preset.date_format
    if "scale" in keys:
        scale = keys["scale"].value
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
            raise _error(keys["scale"].line, f"{what}.scale: ", "a number > 0 (1000 for "
                         "amounts in thousands)", scale)
        source.scale = float(scale)
    source.defaults = dict(preset.defaults) if preset else {}
    if "defaults" in keys:
        defaults = _text_map(keys["defaults"], f"{what}.defaults")
        for column in defaults:
            if column not in TABLES[table].columns:
                raise _error(keys["defaults"].line, f"{what}.defaults: unknown column; ",
                             f"one of {', '.join(TABLES[table].columns)}", column)
        source.defaults.update(defaults)
    if preset is not None:
        for option, default in preset.options.items():
            if option in keys:
                source.options[option] = _option(option, keys[option], f"{what}.{option}")
            else:
                source.options[option] = default
    return source


def _date_format(node: _Node, what: str) -> str:
    text = _text(node, what)
    if text in DATE_ORDERS or "%" in text:
        return text
    raise _error(node.line, f"{what}: ", "dmy, mdy, ymd or a pattern such as %d.%m.%Y", text)


def _option(name: str, node: _Node, what: str) -> object:
    """A preset option, checked."""
    if name in ("won_stages", "statuses"):
        return _text_list(node, what)
    if name == "existing_as":
        value = _text(node, what)
        choices = [t for t in DEAL_TYPES if t != "new"]
        if value not in choices:
            raise _error(node.line, f"{what}: ", f"one of {', '.join(choices)}", value)
        return value
    if name == "amount_is":
        value = _text(node, what)
        if value not in AMOUNT_KINDS:
            raise _error(node.line, f"{what}: ", f"one of {', '.join(AMOUNT_KINDS)}", value)
        return value
    if name == "missing_account":
        value = _text(node, what)
        if value not in ("error", "deal_id"):
            raise _error(node.line, f"{what}: ", "error or deal_id", value)
        return value
    if name in ("reconcile", "default_accounts"):
        if not isinstance(node.value, bool):
            raise _error(node.line, f"{what}: ", "true or false", node.value)
        return node.value
    if name == "channel":
        return _text(node, what)
    if name == "accounts":
        return _accounts(node, what)
    if name in ("channel_rules", "campaign_rules"):
        return _rules(node, what, fields=name == "channel_rules")
    raise _error(node.line, f"{what}: ", "a known option", name)  # pragma: no cover


def _accounts(node: _Node, what: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, entry in _mapping(node, what).items():
        prefix = str(key).strip()
        line = getattr(entry, "key_line", entry.line)
        if not re.fullmatch(r"[0-9]{1,8}", prefix):
            raise _error(line, f"{what}: ", "an account number prefix such as \"6231\"", key)
        spec = _text_map(entry, f"{what}.{prefix}") if isinstance(entry.value, dict) else {
            "category": _text(entry, f"{what}.{prefix}")}
        unknown = set(spec) - {"category", "channel"}
        if unknown:
            raise _error(line, f"{what}.{prefix}: unknown key; ", "category or channel",
                         sorted(unknown)[0])
        if spec.get("category") not in ("marketing", "sales", "skip"):
            raise _error(line, f"{what}.{prefix}.category: ", "marketing, sales or skip",
                         spec.get("category"))
        out[prefix] = spec
    return out


def _rules(node: _Node, what: str, fields: bool) -> list[dict[str, object]]:
    if not isinstance(node.value, list):
        raise _error(node.line, f"{what}: ", "a list of {match: REGEX, channel: NAME}",
                     _strip(node))
    rules: list[dict[str, object]] = []
    for position, item in enumerate(node.value, start=1):
        rule = _text_map(item, f"{what}[{position}]")
        keys = {"field", "match", "channel"} if fields else {"match", "channel"}
        unknown = set(rule) - keys
        if unknown:
            raise _error(item.line, f"{what}[{position}]: unknown key; ", ", ".join(sorted(keys)),
                         sorted(unknown)[0])
        if "match" not in rule or "channel" not in rule:
            raise _error(item.line, f"{what}[{position}]: ", "both match and channel")
        field_name = rule.get("field", "EcritureLib")
        if fields and field_name not in ("EcritureLib", "CompAuxLib"):
            raise _error(item.line, f"{what}[{position}].field: ", "EcritureLib or CompAuxLib",
                         field_name)
        try:
            pattern = re.compile(str(rule["match"]), re.IGNORECASE)
        except re.error as exc:
            raise _error(item.line, f"{what}[{position}].match: not a valid regular expression "
                         f"({exc}); ", "a pattern such as 'google|adwords'") from None
        rules.append({"field": field_name, "match": pattern, "channel": rule["channel"]})
    return rules
