"""Reading CSV, TSV, JSON and JSON-lines files for ``import_file`` (no I/O on the database)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from sqlmodel_crud_utils.exceptions import ValidationError

__all__ = ["FORMATS", "column_types", "read_rows"]

FORMATS = ("csv", "tsv", "json", "jsonl", "ndjson")
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _content(
    file: str | os.PathLike[str] | bytes | IO[Any], encoding: str
) -> tuple[str, str | None]:
    """Return ``(text, file name or None)``."""
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        return path.read_text(encoding=encoding), path.name
    if isinstance(file, bytes):
        return file.decode(encoding), None
    data = file.read()
    name = getattr(file, "name", None)
    text = data.decode(encoding) if isinstance(data, bytes) else str(data)
    return text, name if isinstance(name, str) else None


def _format_of(text: str, name: str | None, given: str | None) -> str:
    if given is not None:
        fmt = given.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValidationError(
                f"unknown format; use one of {', '.join(FORMATS)}", field="format", value=given
            )
        return "jsonl" if fmt == "ndjson" else fmt
    if name is not None:
        found = _EXTENSIONS.get(Path(name).suffix.lower())
        if found:
            return found
    head = text.lstrip()
    if head.startswith("["):
        return "json"
    if head.startswith("{"):
        return "jsonl"
    first = head.splitlines()[0] if head else ""
    return "tsv" if "\t" in first and first.count("\t") >= first.count(",") else "csv"


def _parse_number(value: str) -> int | float | str:
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def _csv_rows(text: str, delimiter: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    raw = [dict(row) for row in reader]
    names = list(reader.fieldnames or [])
    kinds: dict[str, type] = {}
    for name in names:
        values = [row.get(name) for row in raw if row.get(name) not in (None, "")]
        parsed = [_parse_number(str(value)) for value in values]
        if parsed and all(isinstance(v, int) for v in parsed):
            kinds[name] = int
        elif parsed and all(isinstance(v, (int, float)) for v in parsed):
            kinds[name] = float
        else:
            kinds[name] = str
    rows = []
    for row in raw:
        out: dict[str, Any] = {}
        for name in names:
            value = row.get(name)
            if value is None or value == "":
                out[name] = None
            else:
                out[name] = kinds[name](value)
        rows.append(out)
    return rows


def _json_rows(text: str, lines: bool) -> list[dict[str, Any]]:
    try:
        if lines:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"invalid JSON: {exc}", field="file") from exc
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValidationError("JSON input must be an array of objects", field="file")
    return items


def read_rows(
    file: str | os.PathLike[str] | bytes | IO[Any], format: str | None, encoding: str
) -> list[dict[str, Any]]:
    """Read every row of a CSV/TSV/JSON/JSON-lines file or buffer.

    CSV and TSV columns are typed by a first pass: integer, else float, else
    text; empty strings become ``None``.  JSON keeps its own types.

    Raises:
        ValidationError: For an unknown format or malformed JSON.
    """
    text, name = _content(file, encoding)
    fmt = _format_of(text, name, format)
    if fmt in ("csv", "tsv"):
        return _csv_rows(text, "," if fmt == "csv" else "\t")
    return _json_rows(text, fmt == "jsonl")


def _kind(value: Any) -> type:
    if isinstance(value, bool):
        return bool
    if isinstance(value, (dict, list)):
        return dict
    if isinstance(value, (int, float, str)):
        return type(value)
    return str


def column_types(rows: Sequence[Mapping[str, Any]]) -> dict[str, type]:
    """Infer one Python type per column (``dict`` stands for JSON)."""
    kinds: dict[str, set[type]] = {}
    for row in rows:
        for name, value in row.items():
            found = kinds.setdefault(name, set())
            if value is not None:
                found.add(_kind(value))
    types: dict[str, type] = {}
    for name, found in kinds.items():
        if len(found) == 1:
            types[name] = found.pop()
        elif found == {int, float}:
            types[name] = float
        elif dict in found:
            types[name] = dict
        else:
            types[name] = str
    return types
