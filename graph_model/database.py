"""One handle on the database: the driver and the name of the database yima works in.

Every repository takes a :class:`Database`, so the database name configured with
``YIMA_NEO4J_DATABASE`` reaches every statement whoever opened the handle (the API's lifespan,
a CLI command, a benchmark). Only :mod:`graph_model` touches driver types; the application
layer groups writes with :meth:`Database.write`, passing the transaction it is handed on to
repository methods without looking inside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, LiteralString, ParamSpec, TypeAlias, TypeVar

import neo4j
from neo4j.exceptions import (
    ClientError,
    ConstraintError,
    ResultFailedError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_model.errors import DatabaseUnavailable, WriteConflict
from graph_model.settings import DatabaseSettings, open_driver

__all__ = ["Database", "Record", "Transaction"]

#: A write transaction handed to ``Database.write``'s work; repositories accept it as ``tx``.
Transaction: TypeAlias = neo4j.ManagedTransaction
Record: TypeAlias = neo4j.Record

#: Tries of a write whose transient failure surfaced as ``ResultFailedError`` (the driver's
#: own retries cover the rest).
WRITE_ATTEMPTS = 5

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Database:
    """The driver and the database name; the caller that opened it closes it."""

    driver: neo4j.Driver
    name: str

    @classmethod
    def open(cls, settings: DatabaseSettings) -> Database:
        """A handle on ``settings``' server and database (no round trip yet)."""
        return cls(open_driver(settings), settings.database)

    def close(self) -> None:
        self.driver.close()

    def verify(self) -> None:
        """Reach the server and the database; :class:`DatabaseUnavailable` says why not."""
        try:
            with self.driver.session(database=self.name) as session:
                session.run("RETURN 1").consume()
        except ClientError as exc:
            if exc.code and "DatabaseNotFound" in exc.code:
                raise DatabaseUnavailable(
                    f"database: the server has no database named {self.name!r} "
                    "(YIMA_NEO4J_DATABASE)"
                ) from exc
            raise DatabaseUnavailable(f"database {self.name!r}: {exc.message}") from exc
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise DatabaseUnavailable(f"cannot reach Neo4j: {exc}") from exc

    def read(self, query: LiteralString, **params: Any) -> list[Record]:
        """Records of ``query`` as one auto-commit read (one round trip), retried once when
        the connection dropped.

        ``Driver.execute_query`` runs a managed transaction whose COMMIT costs a second round
        trip; reads that answer a user run this way instead.
        """
        for attempt in (1, 2):
            try:
                with self.driver.session(
                    database=self.name, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    return list(session.run(query, params))
            except (ServiceUnavailable, SessionExpired) as exc:
                if attempt == 2:
                    raise DatabaseUnavailable(f"cannot reach Neo4j: {exc}") from exc
        raise AssertionError("unreachable")

    def query(self, query: LiteralString, **params: Any) -> list[Record]:
        """Records of ``query`` in a managed write transaction of its own (retried by the
        driver on transient errors)."""
        try:
            records, _, _ = self.driver.execute_query(query, params, database_=self.name)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise DatabaseUnavailable(f"cannot reach Neo4j: {exc}") from exc
        return list(records)

    def write(
        self,
        work: Callable[Concatenate[Transaction, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``work(tx, *args, **kwargs)`` in one managed write transaction, retried by the driver
        on transient errors; what it returns once committed. A uniqueness violation raises
        :class:`~graph_model.errors.WriteConflict`."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.driver.session(database=self.name) as session:
                    return session.execute_write(work, *args, **kwargs)
            except ResultFailedError as exc:
                # The driver rolls back a failed transaction by consuming its earlier results,
                # which raises this error from the real one and ends its retries: a deadlock
                # between concurrent writers then failed the write. Retry what is transient.
                cause = exc.__cause__
                if isinstance(cause, ConstraintError):
                    raise WriteConflict(cause.message or "a uniqueness constraint") from exc
                if isinstance(cause, (ServiceUnavailable, SessionExpired)):
                    raise DatabaseUnavailable(f"cannot reach Neo4j: {cause}") from exc
                if not isinstance(cause, TransientError) or attempt == WRITE_ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
            except ConstraintError as exc:
                raise WriteConflict(exc.message or "a uniqueness constraint was violated") from exc
            except (ServiceUnavailable, SessionExpired) as exc:
                raise DatabaseUnavailable(f"cannot reach Neo4j: {exc}") from exc
        raise AssertionError("unreachable")
