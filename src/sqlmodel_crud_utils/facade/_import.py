"""Reading CSV, TSV, JSON and JSON-lines files for ``import_file`` (no I/O on the database).

Files are read in two streaming passes, so memory does not grow with the
number of rows: the first pass infers the column types and counts the rows,
the second yields the rows.  A path is opened twice; an open file is read
again from where it started (a file that cannot seek is first copied to a
temporary file, spilled to disk past a few megabytes).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlmodel_crud_utils.exceptions import ValidationError

__all__ = ["FORMATS", "ImportSource", "open_source"]

FORMATS = ("csv", "tsv", "json", "jsonl", "ndjson")
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_CHUNK = 1 << 16
_SPOOL_LIMIT = 8 << 20
_KIND_ORDER = (int, float, str)


def _format_of(head: str, name: str | None, given: str | None) -> str:
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
    head = head.lstrip()
    if head.startswith("["):
        return "json"
    if head.startswith("{"):
        return "jsonl"
    first = head.splitlines()[0] if head else ""
    return "tsv" if "\t" in first and first.count("\t") >= first.count(",") else "csv"


def _number_kind(value: str) -> type:
    try:
        int(value)
        return int
    except ValueError:
        pass
    try:
        float(value)
        return float
    except ValueError:
        return str


def _kind(value: Any) -> type:
    if isinstance(value, bool):
        return bool
    if isinstance(value, (dict, list)):
        return dict
    if isinstance(value, (int, float, str)):
        return type(value)
    return str


def _json_type(found: set[type]) -> type:
    if len(found) == 1:
        return next(iter(found))
    if found == {int, float}:
        return float
    if dict in found:
        return dict
    return str


def _json_array(stream: IO[str]) -> Iterator[Any]:
    """Yield the items of a JSON array, decoding one item at a time."""
    decoder = json.JSONDecoder()
    buffer, pos, eof = "", 0, False

    def more() -> bool:
        nonlocal buffer, pos, eof
        chunk = "" if eof else stream.read(_CHUNK)
        if not chunk:
            eof = True
            return False
        buffer, pos = buffer[pos:] + chunk, 0
        return True

    def peek() -> str:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos].isspace():
                pos += 1
            if pos < len(buffer):
                return buffer[pos]
            if not more():
                return ""

    if peek() != "[":
        raise ValidationError("JSON input must be an array of objects", field="file")
    pos += 1
    if peek() == "]":
        pos += 1
    else:
        while True:
            peek()
            while True:
                try:
                    item, pos = decoder.raw_decode(buffer, pos)
                    break
                except json.JSONDecodeError as exc:
                    if not more():
                        raise ValidationError(f"invalid JSON: {exc}", field="file") from exc
            yield item
            mark = peek()
            pos += 1
            if mark == "]":
                break
            if mark != ",":
                raise ValidationError("invalid JSON: expected ',' or ']'", field="file")
    if peek():
        raise ValidationError("invalid JSON: extra data after the array", field="file")


def _json_lines(stream: IO[str]) -> Iterator[Any]:
    for number, line in enumerate(stream, 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValidationError(
                    f"invalid JSON on line {number}: {exc}", field="file"
                ) from exc


def _objects(items: Iterator[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if not isinstance(item, dict):
            raise ValidationError("JSON input must be an array of objects", field="file")
        yield item


@dataclass
class ImportSource:
    """A file to import: its format, and a way to read it from the start again.

    Attributes:
        format: ``csv``, ``tsv``, ``json`` or ``jsonl``.
        reopen: Returns a text stream positioned at the start of the content.
    """

    format: str
    reopen: Callable[[], contextlib.AbstractContextManager[IO[str]]]

    def _records(self, stream: IO[str]) -> Iterator[dict[str, Any]]:
        if self.format in ("csv", "tsv"):
            delimiter = "," if self.format == "csv" else "\t"
            return iter(csv.DictReader(stream, delimiter=delimiter))
        return _objects(_json_array(stream) if self.format == "json" else _json_lines(stream))

    def scan(self) -> tuple[dict[str, type], int]:
        """First pass: one Python type per column (``dict`` stands for JSON) and the row count.

        CSV and TSV columns are integer if every value is, else float if every
        value is a number, else text; empty values do not count.
        """
        count = 0
        with self.reopen() as stream:
            if self.format in ("csv", "tsv"):
                reader = csv.DictReader(stream, delimiter="," if self.format == "csv" else "\t")
                ranks: dict[str, int] = {}
                for row in reader:
                    count += 1
                    for name, value in row.items():
                        if not isinstance(name, str):
                            continue
                        rank = ranks.get(name, -1)  # -1: no value seen yet
                        if value not in (None, "") and rank < 2:
                            rank = max(rank, _KIND_ORDER.index(_number_kind(str(value))))
                        ranks[name] = rank
                names = [*(reader.fieldnames or []), *ranks]
                return {
                    name: str if ranks.get(name, -1) < 0 else _KIND_ORDER[ranks[name]]
                    for name in names
                }, count
            kinds: dict[str, set[type]] = {}
            for record in self._records(stream):
                count += 1
                for name, value in record.items():
                    found = kinds.setdefault(name, set())
                    if value is not None:
                        found.add(_kind(value))
            return {name: _json_type(found) for name, found in kinds.items()}, count

    def rows(self, types: dict[str, type]) -> Iterator[dict[str, Any]]:
        """Second pass: the rows, CSV values converted to the scanned types (empty -> ``None``)."""
        with self.reopen() as stream:
            if self.format not in ("csv", "tsv"):
                yield from self._records(stream)
                return
            for row in self._records(stream):
                yield {
                    name: None if value in (None, "") else types[name](value)
                    for name, value in row.items()
                    if isinstance(name, str)
                }


def _spooled(file: IO[Any]) -> IO[bytes]:
    copy = tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT)  # noqa: SIM115 - closed by caller
    while True:
        chunk = file.read(_CHUNK)
        if not chunk:
            break
        copy.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    copy.seek(0)
    return copy


@contextlib.contextmanager
def open_source(
    file: str | os.PathLike[str] | bytes | IO[Any], format: str | None, encoding: str
) -> Iterator[ImportSource]:
    """Open a path, ``bytes`` or an open file for :func:`ImportSource.scan`/``rows``.

    Raises:
        ValidationError: For an unknown format.
    """
    name: str | None = None
    spool: IO[bytes] | None = None
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        name = path.name

        @contextlib.contextmanager
        def reopen() -> Iterator[IO[str]]:
            with path.open(encoding=encoding, newline="") as stream:
                yield stream

    else:
        if isinstance(file, bytes):
            binary: IO[Any] = io.BytesIO(file)
        else:
            binary = file
            given = getattr(file, "name", None)
            name = given if isinstance(given, str) else None
            if not binary.seekable():
                binary = spool = _spooled(binary)
                encoding = "utf-8" if isinstance(file, io.TextIOBase) else encoding
        start = binary.tell()

        @contextlib.contextmanager
        def reopen() -> Iterator[IO[str]]:
            binary.seek(start)
            if isinstance(binary, io.TextIOBase):
                yield binary
                return
            stream = io.TextIOWrapper(binary, encoding=encoding, newline="")
            try:
                yield stream
            finally:
                stream.detach()

    try:
        with reopen() as stream:
            head = stream.read(_CHUNK)
        yield ImportSource(_format_of(head, name, format), reopen)
    finally:
        if spool is not None:
            spool.close()
