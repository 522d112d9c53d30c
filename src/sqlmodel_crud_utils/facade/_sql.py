"""SQL text utilities of the facade: placeholders, scripts, identifiers, filters.

User SQL (``q``, ``where``) may use ``:name`` placeholders with a dict of
parameters, or ``?`` placeholders with a list or tuple.  ``?`` marks are turned
into unique named binds; marks inside string literals, quoted names and
comments are left alone.  Values are always bound, never spliced into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import SchemaError, ValidationError

__all__ = [
    "bound_text",
    "check_identifier",
    "identifier_limit",
    "display_url",
    "is_ddl",
    "split_script",
]

_NAMED = re.compile(r"(?<![:\w\\]):([A-Za-z_]\w*)(?!:)")
_DDL = re.compile(r"^\s*(create|drop|alter)\b", re.IGNORECASE)
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_]\w*)?\$")


def _segments(sql: str) -> Iterator[tuple[bool, str]]:
    """Yield ``(is_code, text)`` pieces: code, or literals/quoted names/comments."""
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        end = -1
        if ch in "'\"`":
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            end = min(j + 1, n)
        elif ch == "[" and "]" in sql[i:]:
            end = sql.index("]", i) + 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i)
            end = n if newline == -1 else newline
        elif sql.startswith("/*", i):
            close = sql.find("*/", i + 2)
            end = n if close == -1 else close + 2
        elif ch == "$":
            tag = _DOLLAR_TAG.match(sql, i)
            if tag:
                close = sql.find(tag.group(0), tag.end())
                end = n if close == -1 else close + len(tag.group(0))
        if end == -1:
            i += 1
            continue
        if start < i:
            yield True, sql[start:i]
        yield False, sql[i:end]
        i = start = end
    if start < n:
        yield True, sql[start:]


def _named_in(sql: str) -> list[str]:
    names: list[str] = []
    for is_code, piece in _segments(sql):
        if is_code:
            names.extend(_NAMED.findall(piece))
    return names


def _positional_to_named(sql: str, prefix: str) -> tuple[str, int]:
    out: list[str] = []
    count = 0
    for is_code, piece in _segments(sql):
        if not is_code:
            out.append(piece)
            continue
        parts = piece.split("?")
        out.append(parts[0])
        for part in parts[1:]:
            out.append(f":{prefix}{count}")
            out.append(part)
            count += 1
    return "".join(out), count


def _count_marks(sql: str) -> int:
    return sum(piece.count("?") for is_code, piece in _segments(sql) if is_code)


def _escape_colons(sql: str) -> str:
    """Protect ``:`` inside literals and comments from SQLAlchemy's bind parsing."""
    out: list[str] = []
    for is_code, piece in _segments(sql):
        out.append(piece if is_code else piece.replace(":", "\\:"))
    return "".join(out)


_OPERATOR = r"\s*(?:==|!=|<>|<=|>=|=|<|>)\s*"
_NAME = r'(?:[A-Za-z_]\w*\.)?(?:"([^"]+)"|\b([A-Za-z_]\w*))'
_COMPARED = re.compile(_NAME + _OPERATOR + r":([A-Za-z_]\w*)")
_COMPARED_REVERSED = re.compile(r":([A-Za-z_]\w*)" + _OPERATOR + _NAME)
_IN_LIST = re.compile(_NAME + r"\s+(?:NOT\s+)?IN\s*\(([^()]*)\)", re.IGNORECASE)
_BIND = re.compile(r":([A-Za-z_]\w*)")

#: ``convert(column_name, value)``: a value compared with a column, converted.
Convert = Callable[[str, Any], Any]


def _code_only(sql: str) -> str:
    """``sql`` with literals and comments blanked out (quoted names kept)."""
    return "".join(
        piece if is_code or piece.startswith('"') else " " * len(piece)
        for is_code, piece in _segments(sql)
    )


def compared_columns(sql: str) -> dict[str, str]:
    """Map each ``:bind`` compared with a column (``col = :b``, ``col IN (:a, :b)``) to it."""
    code = _code_only(sql)
    found: dict[str, str] = {}
    for match in _COMPARED.finditer(code):
        found.setdefault(match.group(3), match.group(1) or match.group(2))
    for match in _COMPARED_REVERSED.finditer(code):
        found.setdefault(match.group(1), match.group(2) or match.group(3))
    for match in _IN_LIST.finditer(code):
        for bind in _BIND.findall(match.group(3)):
            found.setdefault(bind, match.group(1) or match.group(2))
    return found


def bound_text(
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] | None,
    *,
    convert: Convert | None = None,
) -> sa.TextClause:
    """Build a text clause with ``params`` bound.

    Args:
        sql: SQL using ``:name`` or ``?`` placeholders.
        params: A dict for ``:name``, a list or tuple for ``?``, or ``None``.
        convert: Converts a value compared with a column (``col = ?``,
            ``? < col``, ``col IN (?, ?)``) to the column's type, so text and
            numbers compare the same way on every database.

    Returns:
        The clause; every value is a unique bound parameter.

    Raises:
        ValidationError: If the placeholder styles are mixed, a value is missing
            or the counts differ.
    """
    if params is None:
        params = {} if not _count_marks(sql) else ()
    if isinstance(params, Mapping):
        if _count_marks(sql):
            raise ValidationError(
                "'?' placeholders need a list or tuple of parameters, not a dict "
                "(do not mix '?' and ':name' styles)",
                field="params",
            )
        names = list(dict.fromkeys(_named_in(sql)))
        missing = [name for name in names if name not in params]
        if missing:
            raise ValidationError(
                f"no value for placeholder(s) {', '.join(':' + m for m in missing)}; "
                f"given: {', '.join(map(str, params)) or 'nothing'}",
                field="params",
            )
        values = _converted(sql, dict(params), convert)
        clause = sa.text(_escape_colons(sql))
        binds: list[Any] = [sa.bindparam(name, values[name], unique=True) for name in names]
        return clause.bindparams(*binds) if binds else clause
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
        raise ValidationError(
            "parameters must be a dict (for ':name') or a list/tuple (for '?')",
            field="params",
            value=params,
        )
    named = list(dict.fromkeys(_named_in(sql)))
    if named:
        raise ValidationError(
            f"placeholder(s) {', '.join(':' + name for name in named)} need a dict of "
            f"parameters, not a {type(params).__name__} (do not mix '?' and ':name' styles)",
            field="params",
        )
    converted, count = _positional_to_named(sql, "_scu_p")
    if count != len(params):
        raise ValidationError(
            f"the SQL has {count} '?' placeholder(s) but {len(params)} parameter(s) were given",
            field="params",
        )
    values = _converted(converted, {f"_scu_p{i}": value for i, value in enumerate(params)}, convert)
    clause = sa.text(_escape_colons(converted))
    positional: list[Any] = [
        sa.bindparam(name, value, unique=True) for name, value in values.items()
    ]
    return clause.bindparams(*positional) if positional else clause


def _converted(sql: str, values: dict[str, Any], convert: Convert | None) -> dict[str, Any]:
    if convert is None or not values:
        return values
    for bind, column in compared_columns(sql).items():
        if bind in values:
            values[bind] = convert(column, values[bind])
    return values


def is_ddl(sql: str) -> bool:
    """Tell whether ``sql`` starts with ``CREATE``, ``DROP`` or ``ALTER``."""
    for is_code, piece in _segments(sql):
        if is_code and piece.strip():
            return bool(_DDL.match(piece))
        if is_code:
            continue
    return False


def split_script(script: str) -> list[str]:
    """Split a SQL script into statements on top-level semicolons.

    Semicolons inside literals, quoted names, comments and ``$$`` bodies do
    not split.  Empty statements are dropped.

    Args:
        script: The SQL script.

    Returns:
        The statements, stripped, without their trailing semicolon.
    """
    statements: list[str] = []
    current: list[str] = []
    depth = 0  # BEGIN ... END blocks of SQLite triggers
    for is_code, piece in _segments(script):
        if not is_code:
            current.append(piece)
            continue
        parts = piece.split(";")
        for index, part in enumerate(parts):
            words = re.findall(r"[A-Za-z_]+", part.upper())
            for position, word in enumerate(words):
                if word in ("BEGIN", "CASE") and _in_create_trigger(current, part):
                    nxt = words[position + 1] if position + 1 < len(words) else ""
                    if word == "CASE" or nxt not in ("TRANSACTION", "IMMEDIATE", "EXCLUSIVE"):
                        depth += 1
                elif word == "END" and depth:
                    depth -= 1
            current.append(part)
            if index < len(parts) - 1:
                if depth:
                    current.append(";")
                    continue
                text = "".join(current).strip()
                if text and _has_code(text):
                    statements.append(text)
                current = []
    text = "".join(current).strip()
    if text and _has_code(text):
        statements.append(text)
    return statements


def _in_create_trigger(current: list[str], part: str) -> bool:
    head = ("".join(current) + part).lstrip().upper()
    return bool(re.match(r"CREATE\s+(TEMP\w*\s+)?TRIGGER\b", head))


def _has_code(text: str) -> bool:
    return any(is_code and piece.strip() for is_code, piece in _segments(text))


#: What no quoting makes safe in a name: control characters and double quotes.
_UNSAFE = re.compile(r"[\x00-\x1f\"]")
#: The portable limit when no dialect is given: PostgreSQL's 63 bytes.
DEFAULT_IDENTIFIER_BYTES = 63
#: Name prefixes a database reserves for its own objects (not for columns).
_RESERVED_PREFIXES = {"sqlite": "sqlite_"}


def identifier_limit(dialect: sa.Dialect | None) -> int:
    """The longest name, in UTF-8 bytes, that ``dialect`` keeps intact."""
    if dialect is None:
        return DEFAULT_IDENTIFIER_BYTES
    return int(dialect.max_identifier_length)


def _shown(name: str) -> str:
    return repr(name if len(name) <= 40 else name[:40] + "...")


def _reserved_prefix(dialect: sa.Dialect | None, column: bool) -> str | None:
    if dialect is None or column:
        return None
    return _RESERVED_PREFIXES.get(dialect.name)


def _identifier_problem(name: str, dialect: sa.Dialect | None, column: bool) -> str | None:
    if not name.strip():
        return "it is empty"
    if _UNSAFE.search(name):
        return "it holds a control character or a double quote"
    if name != name.strip():
        return "it starts or ends with a space"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "it is not valid Unicode (it holds a lone surrogate)"
    limit = identifier_limit(dialect)
    if size > limit:
        where = f"{dialect.name} allows" if dialect is not None else "names are limited to"
        return f"it is {size} bytes long in UTF-8 and {where} at most {limit}"
    reserved = _reserved_prefix(dialect, column)
    if reserved and name.lower().startswith(reserved):
        return f"the database reserves names starting with '{reserved}'"
    return None


def check_identifier(
    name: Any, what: str = "name", *, dialect: sa.Dialect | None = None, column: bool = False
) -> str:
    """Validate a table, view, column or index name before it reaches SQL.

    Names are quoted by the dialect; this rejects what no quoting makes safe,
    what the database would silently shorten, and the names it reserves.

    Args:
        name: The name to check.
        what: What the name is, for the error message.
        dialect: The database's dialect: its identifier length limit (in UTF-8
            bytes; 63 when ``None``) and reserved prefixes (SQLite's
            ``sqlite_``) apply.
        column: The name is a column's: reserved object prefixes do not apply.

    Returns:
        The name.

    Raises:
        ValidationError: If the name is not a string, is empty, too long in
            UTF-8 bytes, holds control characters or double quotes, has
            surrounding spaces, or starts with a reserved prefix.
    """
    if not isinstance(name, str):
        raise ValidationError(
            f"invalid {what} {name!r}: a name must be a string", field=what, value=name
        )
    problem = _identifier_problem(name, dialect, column)
    if problem is not None:
        rules = (
            f"use 1-{identifier_limit(dialect)} bytes (UTF-8) without control characters, "
            "double quotes or surrounding spaces"
        )
        reserved = _reserved_prefix(dialect, column)
        if reserved:
            rules += f", not starting with '{reserved}'"
        raise ValidationError(
            f"invalid {what} {_shown(name)}: {problem}; {rules}", field=what, value=name
        )
    return name


def unknown_column(table: str, name: str, valid: Sequence[str]) -> SchemaError:
    """Build the error for a column that ``table`` does not have."""
    return SchemaError(
        f"Table '{table}' has no column '{name}'; valid columns: {', '.join(valid)}",
        table_name=table,
        column_name=name,
    )


def split_names(value: str | Sequence[str] | None) -> list[str]:
    """Read ``"a, b"`` or ``["a", "b"]`` as a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]


def display_url(url: sa.URL) -> str:
    """Render ``url`` for people: the password masked, the database path unescaped.

    SQLAlchemy escapes ``:`` in the database part (``%3Amemory%3A``); a SQLite
    path reads better as written (``sqlite:///:memory:``).
    """
    without_path = sa.URL.create(
        url.drivername, url.username, url.password, url.host, url.port, None, url.query
    )
    text = without_path.render_as_string(hide_password=True)
    head, mark, query = text.partition("?")
    if url.database is not None:
        head += "/" + url.database
    return head + mark + query
