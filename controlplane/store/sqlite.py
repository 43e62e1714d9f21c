"""SQLite adapter of the store port: one file, WAL mode, safe under concurrent threads/processes.

Each thread gets its own connection; writes run in `BEGIN IMMEDIATE` transactions, so conditions
and the writes they guard are atomic against every other writer of the file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from controlplane.files import make_private
from controlplane.store.port import (
    Add,
    Check,
    Condition,
    ConditionFailed,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Page,
    Put,
    StoreUnavailable,
    VersionIs,
    Write,
    check_transaction,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    counters TEXT NOT NULL DEFAULT '{}',
    expires_at INTEGER,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
"""

_Row = tuple[str, str, int, str, str, int | None]

# Parameters: pk, now (live items only), then `after` where there is one, and limit + 1.
_QUERY_FORWARDS = (
    "SELECT pk, sk, version, data, counters, expires_at FROM items "
    "WHERE pk = ? AND (expires_at IS NULL OR expires_at > ?) AND sk > ? ORDER BY sk LIMIT ?"
)
_QUERY_BACKWARDS = (
    "SELECT pk, sk, version, data, counters, expires_at FROM items "
    "WHERE pk = ? AND (expires_at IS NULL OR expires_at > ?) AND sk < ? ORDER BY sk DESC LIMIT ?"
)
_QUERY_BACKWARDS_FROM_THE_END = (
    "SELECT pk, sk, version, data, counters, expires_at FROM items "
    "WHERE pk = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY sk DESC LIMIT ?"
)


class SqliteStore:
    """The embedded store: a single SQLite file."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._make_private()
        with self._transaction() as conn:
            conn.execute(_SCHEMA)

    def _make_private(self) -> None:
        """The database file is owner-only (0600), created so before SQLite opens it; SQLite
        gives its -wal and -shm files the database file's mode. Older, wider files are narrowed."""
        if self.path == ":memory:" or self.path.startswith("file:"):
            return
        try:
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            for suffix in ("", "-wal", "-shm", "-journal"):
                make_private(Path(f"{self.path}{suffix}"))
        except OSError as exc:
            raise StoreUnavailable(detail=f"cannot open the store: {exc}") from exc

    # Connections -------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path,
                    timeout=self._busy_timeout_ms / 1000,
                    isolation_level=None,
                    check_same_thread=False,
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            except sqlite3.Error as exc:
                raise StoreUnavailable(detail=f"cannot open the store: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(detail=f"the store is busy: {exc}") from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreUnavailable(detail=f"the store could not commit: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    # Reads --------------------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> Item | None:
        try:
            row = self._select(self._connection(), pk, sk)
        except sqlite3.Error as exc:
            raise StoreUnavailable(detail=f"the store cannot be read: {exc}") from exc
        return _item(row) if row else None

    def query(
        self, pk: str, *, after: str | None = None, limit: int = 100, descending: bool = False
    ) -> Page:
        now = int(time.time())
        args: tuple[str | int, ...]
        if not descending:
            sql, args = _QUERY_FORWARDS, (pk, now, after or "", limit + 1)
        elif after is None:
            sql, args = _QUERY_BACKWARDS_FROM_THE_END, (pk, now, limit + 1)
        else:
            sql, args = _QUERY_BACKWARDS, (pk, now, after, limit + 1)
        try:
            rows = self._connection().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(detail=f"the store cannot be read: {exc}") from exc
        items = [_item(row) for row in rows[:limit]]
        more = len(rows) > limit
        return Page(items=items, last_key=items[-1].sk if more and items else None)

    # Writes -------------------------------------------------------------------------------------

    def write(self, op: Write) -> None:
        self.transact([op])

    def transact(self, ops: Sequence[Write]) -> None:
        check_transaction(ops)
        try:
            with self._transaction() as conn:
                for index, op in enumerate(ops):
                    self._apply(conn, index, op)
        except sqlite3.Error as exc:
            raise StoreUnavailable(detail=f"the store cannot be written: {exc}") from exc

    def _apply(self, conn: sqlite3.Connection, index: int, op: Write) -> None:
        # An expired item is gone: drop it, so a write over it starts afresh (as on DynamoDB).
        conn.execute(
            "DELETE FROM items WHERE pk = ? AND sk = ? AND expires_at IS NOT NULL "
            "AND expires_at <= ?",
            (op.pk, op.sk, int(time.time())),
        )
        row = self._select(conn, op.pk, op.sk)
        if not isinstance(op, Add) and not _holds(op.condition, row):
            raise ConditionFailed(index=index, write=op)
        if isinstance(op, Check):
            return
        if isinstance(op, Delete):
            conn.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (op.pk, op.sk))
            return
        if isinstance(op, Put):
            conn.execute(
                "INSERT INTO items (pk, sk, version, data, counters, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pk, sk) DO UPDATE SET "
                "version = excluded.version, data = excluded.data, "
                "expires_at = excluded.expires_at",
                (
                    op.pk,
                    op.sk,
                    (row[2] if row else 0) + 1,
                    json.dumps(op.data, separators=(",", ":"), sort_keys=True),
                    row[4] if row else "{}",
                    op.expires_at,
                ),
            )
            return
        counters = {k: Decimal(v) for k, v in json.loads(row[4]).items()} if row else {}
        for name, amount in op.counters.items():
            counters[name] = counters.get(name, Decimal(0)) + Decimal(amount)
        encoded = json.dumps({k: str(v) for k, v in counters.items()}, sort_keys=True)
        conn.execute(
            "INSERT INTO items (pk, sk, version, data, counters) VALUES (?, ?, 0, '{}', ?) "
            "ON CONFLICT (pk, sk) DO UPDATE SET counters = excluded.counters",
            (op.pk, op.sk, encoded),
        )

    @staticmethod
    def _select(conn: sqlite3.Connection, pk: str, sk: str) -> _Row | None:
        row: _Row | None = conn.execute(
            "SELECT pk, sk, version, data, counters, expires_at FROM items "
            "WHERE pk = ? AND sk = ? AND (expires_at IS NULL OR expires_at > ?)",
            (pk, sk, int(time.time())),
        ).fetchone()
        return row


def _holds(condition: Condition, row: _Row | None) -> bool:
    match condition:
        case None:
            return True
        case MustNotExist():
            return row is None
        case MustExist():
            return row is not None
        case VersionIs(version=version):
            return row is not None and row[2] == version
    raise TypeError(f"unknown condition {condition!r}")  # pragma: no cover


def _item(row: _Row) -> Item:
    pk, sk, version, data, counters, _ = row
    decoded: dict[str, Any] = json.loads(data)
    return Item(
        pk=pk,
        sk=sk,
        data=decoded,
        version=version,
        # Most items have no counters: skip parsing the empty object.
        counters={}
        if counters == "{}"
        else {k: Decimal(v) for k, v in json.loads(counters).items()},
    )
