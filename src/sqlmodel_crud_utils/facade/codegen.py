"""Source code for dataclasses: ``dataclass_src``, ``create_mod``, ``create_mod_from_tables``."""

from __future__ import annotations

import dataclasses
import enum
import os
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["create_mod", "create_mod_from_tables", "dataclass_src"]

_BUILTIN_FACTORIES: frozenset[Any] = frozenset({list, dict, set, tuple})


def _type_src(tp: Any, imports: set[str]) -> str:
    """Render an annotation as source and collect the imports it needs."""
    if tp is type(None) or tp is None:
        return "None"
    if tp is Any:
        imports.add("from typing import Any")
        return "Any"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _type_src(args[0], imports)
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(_type_src(arg, imports) for arg in args)
    if origin is not None:
        base = _type_src(origin, imports)
        if not args:
            return base
        return f"{base}[{', '.join(_type_src(arg, imports) for arg in args)}]"
    if isinstance(tp, type):
        module = tp.__module__
        if module != "builtins":
            imports.add(f"from {module} import {tp.__qualname__.split('.')[0]}")
        return tp.__qualname__
    if isinstance(tp, str):
        return tp
    return repr(tp)


def _default_src(field: dataclasses.Field[Any], imports: set[str]) -> str | None:
    if field.default is not dataclasses.MISSING:
        value = field.default
        if isinstance(value, enum.Enum):
            cls = type(value)
            imports.add(f"from {cls.__module__} import {cls.__qualname__.split('.')[0]}")
            return f"{cls.__qualname__}.{value.name}"
        return repr(value)
    factory: Any = field.default_factory
    if factory is not dataclasses.MISSING:
        imports.add("from dataclasses import field")
        if factory in _BUILTIN_FACTORIES:
            return f"field(default_factory={factory.__name__})"
        module = getattr(factory, "__module__", None)
        name = getattr(factory, "__qualname__", None)
        if module and name and "<" not in name:
            if module != "builtins":
                imports.add(f"from {module} import {name.split('.')[0]}")
            return f"field(default_factory={name})"
    return None


def _class_src(cls: type, imports: set[str]) -> str:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ValueError(f"{cls!r} is not a dataclass")
    imports.add("from dataclasses import dataclass")
    hints = typing.get_type_hints(cls, include_extras=True)
    lines = ["@dataclass", f"class {cls.__name__}:"]
    doc = cls.__doc__
    if doc and not doc.startswith(f"{cls.__name__}("):
        lines.append(f"    {doc.strip()!r}")
    fields = [f for f in dataclasses.fields(cls) if f.init]
    required = [f for f in fields if _default_src(f, set()) is None]
    optional = [f for f in fields if _default_src(f, set()) is not None]
    for field in (*required, *optional):
        annotation = _type_src(hints.get(field.name, field.type), imports)
        default = _default_src(field, imports)
        suffix = f" = {default}" if default is not None else ""
        lines.append(f"    {field.name}: {annotation}{suffix}")
    if not fields:
        lines.append("    pass")
    return "\n".join(lines) + "\n"


def _imports_src(imports: Iterable[str]) -> str:
    return "\n".join(sorted(set(imports))) + "\n"


def dataclass_src(cls: type) -> str:
    """Return Python source for a dataclass, with the imports it needs.

    Fields without defaults come first, so the source always compiles.

    Args:
        cls: A dataclass.

    Returns:
        The imports, a blank line and the class.

    Raises:
        ValueError: If ``cls`` is not a dataclass.
    """
    imports: set[str] = set()
    body = _class_src(cls, imports)
    return f"{_imports_src(imports)}\n\n{body}"


def _is_database(obj: Any) -> bool:
    return hasattr(obj, "t") and hasattr(obj, "create_mod") and hasattr(obj, "_catalog")


def create_mod(module_path: Any, *dataclasses_: Any, overwrite: bool = False) -> None:
    """Write a module holding dataclasses.

    ``create_mod(db, mod_fn, with_views=False, store=True, suf="")`` with a
    sync ``Database`` first behaves like fastlite's ``create_mod``.

    Args:
        module_path: The ``.py`` file to write.
        *dataclasses_: The classes.
        overwrite: Replace an existing file.

    Raises:
        ValueError: If no class is given or one is not a dataclass.
        FileExistsError: If the file exists and ``overwrite`` is false.
        TypeError: If given an async database (use ``await db.create_mod(...)``).
    """
    if _is_database(module_path):
        db = module_path
        if type(db).__name__.startswith("Async"):
            raise TypeError("an AsyncDatabase writes its module with 'await db.create_mod(...)'")
        db.create_mod(*dataclasses_)
        return
    if not dataclasses_:
        raise ValueError("create_mod needs at least one dataclass")
    imports: set[str] = set()
    bodies = [_class_src(cls, imports) for cls in dataclasses_]
    path = Path(os.fspath(module_path))
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    names = ", ".join(repr(cls.__name__) for cls in dataclasses_)
    text = (
        f'"""Dataclasses generated from database tables."""\n\n{_imports_src(imports)}\n'
        f"__all__ = [{names}]\n\n\n" + "\n\n".join(bodies)
    )
    path.write_text(text, encoding="utf-8")


def create_mod_from_tables(module_path: Any, *tables: Any, overwrite: bool = False) -> None:
    """Write a module with one dataclass per table (``table.dataclass()``)."""
    create_mod(module_path, *(table.dataclass() for table in tables), overwrite=overwrite)
