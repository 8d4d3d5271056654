"""``stock_reports.csv``: the stock dealers declare, one row per party, SKU and moment.

Columns ``party_id, gtin, quantity, at``; ``at`` is an ISO 8601 time with its offset (a bare
date means 00:00 UTC of that day). Every bad cell is reported with its row, none is stored.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from graph_model.errors import FieldProblem, InvalidField
from graph_model.identifiers.gs1 import gs1_check_digit
from graph_model.supply import StockReportRow, check_report

__all__ = ["COLUMNS", "read_stock_reports"]

COLUMNS: Final = ("party_id", "gtin", "quantity", "at")
MAX_ROWS: Final = 1_000_000


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if len(text.strip()) == 10:
        return moment.replace(tzinfo=UTC)
    if moment.tzinfo is None:
        raise ValueError("needs a time zone offset, e.g. 2025-03-31T18:00:00+08:00")
    return moment


def _row(data: dict[str, str], path: str) -> StockReportRow:
    gtin = data["gtin"].strip()
    if len(gtin) == 13 and gtin.isdigit():
        gtin = "0" + gtin
    if not (len(gtin) == 14 and gtin.isdigit() and gs1_check_digit(gtin[:13]) == gtin[13]):
        raise InvalidField(f"{path}.gtin", "must be a GTIN-13 or GTIN-14 with its check digit")
    try:
        quantity = int(data["quantity"].strip())
    except ValueError:
        raise InvalidField(f"{path}.quantity", "must be a whole number") from None
    try:
        at = _moment(data["at"])
    except ValueError as exc:
        reason = str(exc) if "offset" in str(exc) else "must be an ISO 8601 date or time"
        raise InvalidField(f"{path}.at", reason) from None
    return check_report(StockReportRow(data["party_id"].strip(), gtin, quantity, at), path)


def read_stock_reports(source: str | Path, *, text: str | None = None) -> list[StockReportRow]:
    """The rows of ``source`` (or of ``text``, named ``source`` in problems).

    Raises
    ------
    InvalidField
        Listing every bad row and cell as ``stock_reports.csv:<row>.<column>``.
    """
    name = Path(source).name
    content = text if text is not None else Path(source).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(content), skipinitialspace=True)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidField(name, f"missing columns: {', '.join(missing)}")
    reader.fieldnames = header
    rows: list[StockReportRow] = []
    problems: list[FieldProblem] = []
    for number, data in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise InvalidField(name, f"more than {MAX_ROWS:,} rows")
        try:
            rows.append(_row({k: (v or "") for k, v in data.items() if k}, f"{name}:{number}"))
        except InvalidField as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidField.of(problems)
    return rows
