"""Result containers returned by the CRUD helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy.exc import MultipleResultsFound, NoResultFound

T = TypeVar("T")

__all__ = ["AllRowsFailed", "ResultList"]


class ResultList(list[T]):
    """A reusable list of rows with the familiar ``ScalarResult`` accessors.

    Unlike SQLAlchemy's one-shot results it can be iterated any number of
    times and compares equal to a plain list.
    """

    def all(self) -> list[T]:
        """Return the rows as a plain list."""
        return list(self)

    def fetchall(self) -> list[T]:
        """Return the rows as a plain list (alias of :meth:`all`)."""
        return list(self)

    def first(self) -> T | None:
        """Return the first row, or ``None`` when there is none."""
        return self[0] if self else None

    def one(self) -> T:
        """Return the only row.

        Raises:
            NoResultFound: there is no row.
            MultipleResultsFound: there is more than one row.
        """
        if not self:
            raise NoResultFound("No row was found when one was required")
        if len(self) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self[0]

    def one_or_none(self) -> T | None:
        """Return the only row, or ``None`` when there is none.

        Raises:
            MultipleResultsFound: there is more than one row.
        """
        if len(self) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self[0] if self else None

    def unique(self) -> ResultList[T]:
        """Return this list (rows are already unique)."""
        return self


class AllRowsFailed(tuple[bool, ...]):
    """The flag ``insert_data_rows`` returns when no row could be saved.

    It equals ``(False,)`` and ``[0]`` is ``False`` as before, but it is falsy,
    so ``if ok:`` never mistakes a total failure for success.
    """

    def __new__(cls, values: Iterable[Any] = (False,)) -> AllRowsFailed:
        return super().__new__(cls, tuple(values))

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "(False,)"
