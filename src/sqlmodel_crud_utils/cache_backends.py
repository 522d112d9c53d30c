"""Read-cache storage backends: in this process (LRU) or in Redis.

The cache logic (keys, invalidation, row snapshots) lives in
:mod:`sqlmodel_crud_utils.cache`, which re-exports these classes.
"""

from __future__ import annotations

import inspect
import json
import math
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Any

#: Default time-to-live of an entry, in seconds.
DEFAULT_TTL = 60.0


class CacheBackend(ABC):
    """Storage for cached reads: JSON-compatible values grouped in namespaces.

    Attributes:
        blocking: Whether calls do network I/O; async code then runs them in a
            worker thread.
    """

    blocking: bool = False

    @abstractmethod
    def get(self, namespace: str, key: str) -> Any | None:
        """Return the stored value, or ``None`` when absent or expired."""

    @abstractmethod
    def set(self, namespace: str, key: str, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` for ``ttl`` seconds (``None``: default; ``<= 0``: drop it)."""

    @abstractmethod
    def invalidate(self, namespace: str) -> None:
        """Drop every entry of ``namespace``."""

    @abstractmethod
    def clear(self) -> None:
        """Drop every entry."""


class InMemoryCache(CacheBackend):
    """A thread-safe, size-bounded cache in this process (least recently used evicted).

    Args:
        default_ttl: Seconds an entry lives when ``set`` gets no ``ttl``.
        max_entries: Entries kept at most.
    """

    def __init__(self, default_ttl: float = DEFAULT_TTL, max_entries: int = 1024) -> None:
        self.default_ttl = default_ttl
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()
        self._index: dict[str, set[str]] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _drop(self, namespace: str, key: str) -> None:
        self._entries.pop((namespace, key), None)
        keys = self._index.get(namespace)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._index[namespace]

    def get(self, namespace: str, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get((namespace, key))
            if entry is None:
                return None
            expires, text = entry
            if time.monotonic() >= expires:
                self._drop(namespace, key)
                return None
            self._entries.move_to_end((namespace, key))
        return json.loads(text)

    def set(self, namespace: str, key: str, value: Any, ttl: float | None = None) -> None:
        ttl = self.default_ttl if ttl is None else ttl
        text = json.dumps(value)
        with self._lock:
            if ttl <= 0:
                self._drop(namespace, key)
                return
            self._entries[(namespace, key)] = (time.monotonic() + ttl, text)
            self._entries.move_to_end((namespace, key))
            self._index.setdefault(namespace, set()).add(key)
            while len(self._entries) > self.max_entries:
                (old_namespace, old_key), _ = next(iter(self._entries.items()))
                self._drop(old_namespace, old_key)

    def invalidate(self, namespace: str) -> None:
        with self._lock:
            for key in list(self._index.get(namespace, ())):
                self._drop(namespace, key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._index.clear()


class RedisCache(CacheBackend):
    """A cache in Redis (7 or newer), shared by every process that uses the same prefix.

    Keys are ``<prefix>:<namespace>:<key>``; each namespace keeps an index set
    ``<prefix>:idx:<namespace>`` so it can be dropped at once.

    Args:
        url: Redis URL (default ``redis://localhost:6379/0``); ignored with ``client``.
        client: A ready synchronous ``redis.Redis`` client.
        default_ttl: Seconds an entry lives when ``set`` gets no ``ttl``.
        prefix: Prefix of every key.

    Raises:
        ImportError: ``redis`` is not installed (install the ``cache`` extra).
        TypeError: ``client`` is an asyncio client.
    """

    blocking = True

    def __init__(
        self,
        url: str | None = None,
        client: Any = None,
        default_ttl: float = DEFAULT_TTL,
        prefix: str = "scu",
    ) -> None:
        if client is None:
            try:
                import redis
            except ImportError as exc:
                raise ImportError(
                    "RedisCache needs redis: pip install 'sqlmodel-crud-utilities[cache]'"
                ) from exc
            client = redis.Redis.from_url(url or "redis://localhost:6379/0")
        elif any(
            inspect.iscoroutinefunction(getattr(client, name, None))
            for name in ("execute_command", "get")
        ):
            raise TypeError("RedisCache needs a synchronous redis client, not an async one")
        self.client = client
        self.default_ttl = default_ttl
        self.prefix = prefix

    def _key(self, namespace: str, key: str) -> str:
        return f"{self.prefix}:{namespace}:{key}"

    def _index(self, namespace: str) -> str:
        return f"{self.prefix}:idx:{namespace}"

    def get(self, namespace: str, key: str) -> Any | None:
        raw = self.client.get(self._key(namespace, key))
        if raw is None:
            return None
        return json.loads(raw)

    def set(self, namespace: str, key: str, value: Any, ttl: float | None = None) -> None:
        ttl = self.default_ttl if ttl is None else ttl
        full_key = self._key(namespace, key)
        if ttl <= 0:
            self.client.delete(full_key)
            return
        ms = max(1, math.ceil(ttl * 1000))
        index = self._index(namespace)
        pipe = self.client.pipeline(transaction=True)
        pipe.set(full_key, json.dumps(value), px=ms)
        pipe.sadd(index, full_key)
        pipe.pexpire(index, ms, nx=True)
        pipe.pexpire(index, ms, gt=True)
        pipe.execute()

    def invalidate(self, namespace: str) -> None:
        index = self._index(namespace)
        members = self.client.smembers(index)
        self.client.delete(*members, index)

    def clear(self) -> None:
        keys = list(self.client.scan_iter(match=f"{self.prefix}:*"))
        if keys:
            self.client.delete(*keys)


__all__ = ["DEFAULT_TTL", "CacheBackend", "InMemoryCache", "RedisCache"]
