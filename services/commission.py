"""Commissioning: issue new unit codes of one lot and write them out for printing.

Serials come from a cryptographic random source (:func:`graph_model.identifiers.serials.
generate_serials`), never from a counter, so knowing one printed code tells nothing about the
next. They are issued in chunks of at most 10,000; every chunk becomes one EPCIS commissioning
``ObjectEvent`` captured through :class:`services.capture.CaptureService` in its own
transaction, so the event log stays the source of truth and ``yima rebuild`` replays it.

Before a chunk is captured, its ids are looked up as ``:Code`` nodes (one ``UNWIND`` query) and
checked against the chunks still in flight; any repeat is replaced with a fresh serial. The
commissioning projection merges on ``Code.id``, so a repeat that slipped through would silently
re-label a unit already printed: the look-up is what keeps one item, one code. A capture that
still fails on the uniqueness constraint of ``Code.id`` is retried with fresh serials.

The chance that one guessed serial is valid counts every code already issued for the GTIN plus
the new ones; a commission that would bring it to 1/10,000 (EU FMD, Delegated Regulation (EU)
2016/161, Art. 4(b)) is refused before anything is written.

Generation, look-up and event validation of the next chunk run in a second thread while the
database writes the current one; at most a few chunks are held in memory, whatever the count.
The print file is written as chunks commit, so it always lists exactly the committed codes.
"""

from __future__ import annotations

import csv
import itertools
import queue
import random
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import quote

from graph_model.database import Database
from graph_model.errors import InvalidField, InvalidIdentifier, WriteConflict, YimaError
from graph_model.identifiers.digital_links import DEFAULT_HOST, digital_link
from graph_model.identifiers.gs1 import (
    epc_escape,
    gtin_partition,
    normalize_gtin,
    sgtin_urn,
    validate_serial,
)
from graph_model.identifiers.serials import (
    DEFAULT_SCHEME,
    GUESS_PROBABILITY_BAR,
    SerialScheme,
    generate_serials,
    guess_probability,
)
from graph_model.repositories.codes import CodeRepository
from graph_model.vocabulary import EPCIS_CONTEXT
from loaders.epcis.batch import PreparedBatch, prepare
from services.capture import CaptureService

__all__ = [
    "CHUNK_CODES",
    "CSV_COLUMNS",
    "CommissionOrder",
    "CommissionResult",
    "CommissionService",
    "PrintFormat",
    "UnsafeCommission",
]

CHUNK_CODES: Final = 10_000
"""Codes per commissioning event (and per capture transaction)."""
CSV_COLUMNS: Final = ("digital_link", "gtin", "serial", "lot", "epc")
MAX_CHUNK_ATTEMPTS: Final = 5
MAX_DRAW_ROUNDS: Final = 20
_IN_FLIGHT: Final = 2
_CONTEXT: Final[list[Any]] = list(EPCIS_CONTEXT)
_URI_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


class UnsafeCommission(InvalidField):
    """A commission after which a guessed serial would be valid too often; nothing was written.

    Parameters
    ----------
    issued
        Codes of the GTIN already in the graph.
    count
        Codes asked for.
    probability
        Chance that one guessed serial is valid once both are issued.
    """

    def __init__(self, issued: int, count: int, probability: float) -> None:
        super().__init__(
            "count",
            f"{issued} issued + {count} new serials could be guessed with probability "
            f"{probability:.3g}, which must stay below {GUESS_PROBABILITY_BAR:g}; "
            "use longer serials or a wider alphabet",
        )
        self.issued = issued
        self.count = count
        self.probability = probability

    def __reduce__(self) -> tuple[type[InvalidField], tuple[str, str]]:
        return (type(self), (self.issued, self.count, self.probability))  # type: ignore[return-value]


class PrintFormat(StrEnum):
    """Layout of the print file."""

    CSV = "csv"
    """Header and one row per code: ``digital_link,gtin,serial,lot,epc``."""
    TXT = "txt"
    """One Digital Link URI per line."""


@dataclass(frozen=True, slots=True)
class CommissionOrder:
    """A validated request to commission ``count`` codes of one lot on one line.

    Build it with :meth:`create`, which checks every field and names the one at fault.
    """

    gtin: str
    lot: str
    line: str
    plant: str
    count: int
    host: str = DEFAULT_HOST
    scheme: SerialScheme = DEFAULT_SCHEME

    @classmethod
    def create(
        cls,
        gtin: str,
        lot: str,
        line: str,
        plant: str,
        count: int,
        host: str = DEFAULT_HOST,
        scheme: SerialScheme = DEFAULT_SCHEME,
    ) -> CommissionOrder:
        """Validate the fields of a commissioning request.

        Raises
        ------
        InvalidField
            Naming ``gtin`` (digits, length, check digit), ``lot`` (1 to 20 characters of
            GS1 character set 82), ``line`` / ``plant`` (a URI such as an SGLN URN),
            ``count`` (at least 1), ``host`` (http(s) URL) or ``scheme`` (must fit AI (21)).

        Examples
        --------
        >>> order = CommissionOrder.create("9520123456788", "L1", "urn:x:line", "urn:x:plant", 5)
        >>> order.gtin, order.count
        ('09520123456788', 5)
        >>> CommissionOrder.create("9520123456789", "L1", "urn:x:line", "urn:x:plant", 5)
        Traceback (most recent call last):
        ...
        graph_model.errors.InvalidField: gtin: GTIN 9520123456789 has check digit 9, ...
        """
        try:
            gtin14 = normalize_gtin(gtin)
        except InvalidIdentifier as exc:
            raise InvalidField("gtin", exc.reason) from exc
        try:
            validate_serial(lot, "lot")
        except InvalidIdentifier as exc:
            raise InvalidField("lot", exc.reason) from exc
        for name, value in (("line", line), ("plant", plant)):
            if not _URI_RE.fullmatch(value):
                raise InvalidField(
                    name, f"{value!r} must be a URI such as urn:epc:id:sgln:6901234.00001.0"
                )
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidField("count", f"must be a whole number of at least 1, got {count}")
        try:
            digital_link(gtin14, "0", lot, host)
        except InvalidIdentifier as exc:
            raise InvalidField("host", exc.reason) from exc
        if not scheme.fits_ai21:
            raise InvalidField(
                "scheme", "serials must be 1 to 20 characters of GS1 character set 82"
            )
        return cls(gtin14, lot, line, plant, count, host.rstrip("/"), scheme)


@dataclass(frozen=True, slots=True)
class CommissionResult:
    """What one commission issued and where its print file is."""

    gtin: str
    lot: str
    count: int
    issued_before: int
    guess_probability: float
    collisions: int
    retried_chunks: int
    events: int
    seconds: float
    out: Path | None = None
    print_format: PrintFormat | None = None
    sample_links: tuple[str, ...] = ()

    @property
    def codes_per_second(self) -> float:
        """Commissioning rate over the whole run."""
        return self.count / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True, slots=True)
class _Codes:
    """Identifier forms of one order's codes, built by string joins (10^7 of them a run)."""

    epc_prefix: str
    link_prefix: str
    escape_epc: bool
    quote_link: bool

    @classmethod
    def of(cls, order: CommissionOrder) -> _Codes:
        company, item = gtin_partition(order.gtin)
        alphabet = order.scheme.alphabet
        return cls(
            epc_prefix=sgtin_urn(company, item, ""),
            link_prefix=f"{order.host}/01/{order.gtin}/10/{quote(order.lot, safe='')}/21/",
            escape_epc=any(epc_escape(c) != c for c in alphabet),
            quote_link=any(quote(c, safe="") != c for c in alphabet),
        )

    def epcs(self, serials: Sequence[str]) -> list[str]:
        prefix = self.epc_prefix
        if self.escape_epc:
            return [prefix + epc_escape(s) for s in serials]
        return [prefix + s for s in serials]

    def links(self, serials: Sequence[str]) -> list[str]:
        prefix = self.link_prefix
        if self.quote_link:
            return [prefix + quote(s, safe="") for s in serials]
        return [prefix + s for s in serials]


@dataclass(slots=True)
class _Chunk:
    serials: list[str]
    epcs: list[str]
    batch: PreparedBatch


class _InFlight:
    """EPCs of chunks drawn but not yet committed, which the graph look-up cannot see."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: dict[int, set[str]] = {}

    def add(self, number: int, epcs: list[str]) -> None:
        with self._lock:
            self._chunks[number] = set(epcs)

    def done(self, number: int) -> None:
        with self._lock:
            self._chunks.pop(number, None)

    def __call__(self) -> set[str]:
        with self._lock:
            return set().union(*self._chunks.values())


@dataclass(slots=True)
class _Counters:
    collisions: int = 0
    retried_chunks: int = 0
    events: int = 0
    written: int = 0
    sample: list[str] = field(default_factory=list)


class _PrintFile:
    """Rows of committed codes appended to the print file, chunk by chunk."""

    def __init__(self, handle: IO[str], fmt: PrintFormat, order: CommissionOrder) -> None:
        self._handle = handle
        self._fmt = fmt
        self._gtin = order.gtin
        self._lot = order.lot
        self._csv = csv.writer(handle, lineterminator="\n")
        if fmt is PrintFormat.CSV:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, links: list[str], serials: list[str], epcs: list[str]) -> None:
        if self._fmt is PrintFormat.CSV:
            gtin, lot = itertools.repeat(self._gtin), itertools.repeat(self._lot)
            self._csv.writerows(zip(links, gtin, serials, lot, epcs, strict=False))
        else:
            self._handle.write("\n".join(links))
            self._handle.write("\n")
        self._handle.flush()


class CommissionService:
    """Issues codes through the capture path and writes their print file.

    Parameters
    ----------
    db
        The database handle.
    rng
        Random source of serials; the operating system's CSPRNG unless a test passes a seeded
        :class:`random.Random`.
    chunk_size
        Codes per commissioning event and transaction, 1 to 10,000.
    """

    def __init__(
        self,
        db: Database,
        *,
        rng: random.Random | None = None,
        chunk_size: int = CHUNK_CODES,
    ) -> None:
        if not 1 <= chunk_size <= CHUNK_CODES:
            raise ValueError(f"chunk_size must be between 1 and {CHUNK_CODES}, got {chunk_size}")
        self._codes = CodeRepository(db)
        self._capture = CaptureService(db)
        self._rng = rng if rng is not None else secrets.SystemRandom()
        self._rng_lock = threading.Lock()
        self.chunk_size = chunk_size

    # -- public ---------------------------------------------------------------------------
    def issued(self, gtin: str) -> int:
        """Number of codes of ``gtin`` (any length) already commissioned in the graph."""
        return self._codes.issued(normalize_gtin(gtin))

    def check(self, order: CommissionOrder) -> tuple[int, float]:
        """Codes issued before and the guess probability after ``order``, or UnsafeCommission."""
        issued = self.issued(order.gtin)
        probability = guess_probability(issued + order.count, order.scheme)
        if probability >= GUESS_PROBABILITY_BAR:
            raise UnsafeCommission(issued, order.count, probability)
        return issued, probability

    def commission(
        self,
        order: CommissionOrder,
        out: Path | None = None,
        print_format: PrintFormat = PrintFormat.CSV,
        *,
        on_progress: Callable[[int], None] | None = None,
        sample: int = 0,
    ) -> CommissionResult:
        """Issue ``order.count`` new codes, capture their commissioning events, print them.

        Parameters
        ----------
        order
            What to commission, validated by :meth:`CommissionOrder.create`.
        out
            Print file to (over)write, or None for none.
        print_format
            CSV rows or one Digital Link per line.
        on_progress
            Called with the number of codes of each chunk once it is committed.
        sample
            How many of the first Digital Links to keep in the result.

        Raises
        ------
        UnsafeCommission
            When the guess probability would reach 1/10,000; nothing is written.
        """
        started = time.perf_counter()
        issued, probability = self.check(order)
        codes = _Codes.of(order)
        counters = _Counters()
        in_flight = _InFlight()
        handle = None if out is None else open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115
        chunks = self._pipeline(order, codes, in_flight, counters)
        try:
            printer = None if handle is None else _PrintFile(handle, print_format, order)
            for chunk in chunks:
                self._write(order, codes, chunk, in_flight, counters)
                links = codes.links(chunk.serials)
                if printer is not None:
                    printer.write(links, chunk.serials, chunk.epcs)
                if len(counters.sample) < sample:
                    counters.sample.extend(links[: sample - len(counters.sample)])
                counters.written += len(chunk.serials)
                if on_progress is not None:
                    on_progress(len(chunk.serials))
        finally:
            chunks.close()  # stops the second thread at once when a chunk fails
            if handle is not None:
                handle.close()
        return CommissionResult(
            gtin=order.gtin,
            lot=order.lot,
            count=counters.written,
            issued_before=issued,
            guess_probability=probability,
            collisions=counters.collisions,
            retried_chunks=counters.retried_chunks,
            events=counters.events,
            seconds=time.perf_counter() - started,
            out=out,
            print_format=None if out is None else print_format,
            sample_links=tuple(counters.sample),
        )

    # -- internals ------------------------------------------------------------------------
    def _fresh(self, n: int, scheme: SerialScheme) -> list[str]:
        with self._rng_lock:
            return list(generate_serials(n, scheme, self._rng))

    def _existing(self, ids: list[str]) -> set[str]:
        return self._codes.existing(ids)

    def _unique(
        self,
        serials: list[str],
        order: CommissionOrder,
        codes: _Codes,
        in_flight: _InFlight,
        counters: _Counters,
    ) -> tuple[list[str], list[str]]:
        """``serials`` with every repeat (in the chunk, in flight, in the graph) replaced."""
        for _round in range(MAX_DRAW_ROUNDS):
            epcs = codes.epcs(serials)
            taken = in_flight() | self._existing(epcs)
            seen: set[str] = set()
            repeats: list[int] = []
            for i, epc in enumerate(epcs):
                if epc in taken or epc in seen:
                    repeats.append(i)
                seen.add(epc)
            if not repeats:
                return serials, epcs
            counters.collisions += len(repeats)
            for i, serial in zip(repeats, self._fresh(len(repeats), order.scheme), strict=True):
                serials[i] = serial
        # A random source that keeps repeating itself is broken; stop rather than loop.
        raise YimaError(
            f"serials: {len(repeats)} of {len(serials)} serials still repeat issued ones after "
            f"{MAX_DRAW_ROUNDS} draws; the random source is not random"
        )

    def _chunk(self, serials: list[str], epcs: list[str], order: CommissionOrder) -> _Chunk:
        now = datetime.now(UTC)
        event = {
            "type": "ObjectEvent",
            "eventID": f"urn:uuid:{uuid.uuid4()}",
            "eventTime": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "eventTimeZoneOffset": "+00:00",
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "epcList": epcs,
            "readPoint": {"id": order.line},
            "bizLocation": {"id": order.plant},
            "ilmd": {"cbvmda:lotNumber": order.lot},
        }
        batch = prepare([event], _CONTEXT)
        if batch.problems:  # the order was validated; this is a defect, not a user error
            raise RuntimeError(f"commissioning event is not valid EPCIS: {batch.problems}")
        return _Chunk(serials, epcs, batch)

    def _pipeline(
        self, order: CommissionOrder, codes: _Codes, in_flight: _InFlight, counters: _Counters
    ) -> Generator[_Chunk, None, None]:
        """Chunks ready to capture, prepared one or two ahead in a second thread."""
        ready: queue.Queue[_Chunk | BaseException | None] = queue.Queue(maxsize=_IN_FLIGHT)
        stop = threading.Event()

        def put(item: _Chunk | BaseException | None) -> bool:
            while not stop.is_set():
                try:
                    ready.put(item, timeout=0.2)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                with self._rng_lock:
                    stream = generate_serials(order.count, order.scheme, self._rng)
                for number in itertools.count():
                    with self._rng_lock:
                        serials = list(itertools.islice(stream, self.chunk_size))
                    if not serials:
                        break
                    serials, epcs = self._unique(serials, order, codes, in_flight, counters)
                    in_flight.add(number, epcs)
                    if not put(self._chunk(serials, epcs, order)):
                        return
                put(None)
            except BaseException as exc:  # handed to the consumer, which re-raises it
                put(exc)

        producer = threading.Thread(target=produce, name="yima-commission", daemon=True)
        producer.start()
        try:
            for number in itertools.count():
                item = ready.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
                in_flight.done(number)
        finally:
            stop.set()
            producer.join()

    def _write(
        self,
        order: CommissionOrder,
        codes: _Codes,
        chunk: _Chunk,
        in_flight: _InFlight,
        counters: _Counters,
    ) -> None:
        """Capture ``chunk``; on a uniqueness conflict, draw it again and retry."""
        for _attempt in range(MAX_CHUNK_ATTEMPTS):
            try:
                result = self._capture.write(chunk.batch)
            except WriteConflict:
                result = None
            if result is not None and result.captured:
                counters.events += 1
                return
            # A conflicting id or event id: the chunk is drawn again, nothing of it was kept.
            counters.retried_chunks += 1
            serials, epcs = self._unique(
                self._fresh(len(chunk.serials), order.scheme), order, codes, in_flight, counters
            )
            fresh = self._chunk(serials, epcs, order)
            chunk.serials, chunk.epcs, chunk.batch = fresh.serials, fresh.epcs, fresh.batch
        raise YimaError(
            f"count: a chunk of {len(chunk.serials)} codes conflicted {MAX_CHUNK_ATTEMPTS} "
            "times with codes written concurrently; nothing more was commissioned"
        )
