"""``locations.csv`` -> :class:`~graph_model.locations.LocationOf` rows.

Columns: ``location`` (an SGLN), ``party`` (the organisation's PGLN, GLN or SGLN), ``name?``.
Every row is checked before anything is written; a bad row names the file, its row (the header
is row 1) and the field.
"""

from __future__ import annotations

import csv
from pathlib import Path

from graph_model.errors import FieldProblem, InvalidField
from graph_model.locations import LocationOf

__all__ = ["read_locations"]

COLUMNS = ("location", "party")


def read_locations(path: Path) -> list[LocationOf]:
    """The rows of ``path``; raises :class:`InvalidField` naming every bad row (up to 50)."""
    rows: list[LocationOf] = []
    problems: list[FieldProblem] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise InvalidField(f"{path.name}:1", f"missing column(s) {', '.join(missing)}")
        for number, row in enumerate(reader, start=2):
            try:
                rows.append(
                    LocationOf(
                        (row.get("location") or "").strip(),
                        (row.get("party") or "").strip(),
                        (row.get("name") or "").strip() or None,
                    )
                )
            except InvalidField as exc:
                problems.append(FieldProblem(f"{path.name}:{number}:{exc.path}", exc.reason))
                if len(problems) >= 50:
                    break
    if problems:
        raise InvalidField.of(problems)
    return rows
