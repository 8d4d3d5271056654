"""Beasley's OR-Library location instances as :class:`~algorithms.layout.LayoutProblem`.

Three formats (J.E. Beasley, "OR-Library: distributing test problems by electronic mail",
J. Oper. Res. Soc. 41(11), 1990, doi:10.1057/jors.1990.166):

``pmed``
    Uncapacitated p-median (Beasley 1985): ``n edges p`` then ``i j cost`` per undirected edge
    (vertices 1..n). Costs are all-pairs shortest paths; an edge listed twice keeps its *last*
    cost. Every vertex is a store with demand 1 and a candidate site.
``uncap``
    Uncapacitated facility location: ``m n``, ``capacity fixed_cost`` per site (capacity is
    ignored), then per customer its demand and the cost of serving its whole demand from each
    site (the costs may wrap over several lines).
``cpmp``
    Capacitated p-median (Osman & Christofides 1994): ``number best_value``, ``n p Q``, then
    ``id x y demand`` per point. Costs are Euclidean distances rounded down.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from algorithms.layout import LayoutInputError, LayoutProblem

__all__ = [
    "OrlibInstance",
    "OrlibKind",
    "detect_kind",
    "known_optima",
    "load_orlib",
    "parse_cpmp",
    "parse_pmed",
    "parse_uncap",
]

OrlibKind = Literal["pmed", "uncap", "cpmp"]


@dataclass(frozen=True, slots=True)
class OrlibInstance:
    """A parsed instance file with its published optimum, when one is on file."""

    name: str
    kind: OrlibKind
    problem: LayoutProblem
    optimum: float | None


def _numbers(text: str, source: str) -> list[float]:
    try:
        return [float(token) for token in text.split()]
    except ValueError as exc:
        raise LayoutInputError(source, f"holds a token that is not a number ({exc})") from None


def _need(values: list[float], count: int, source: str, what: str) -> None:
    if len(values) < count:
        raise LayoutInputError(source, f"ends early: expected {count} numbers for {what}")


def _integer(value: float, source: str, what: str) -> int:
    if not math.isfinite(value) or value != int(value) or value < 0:
        raise LayoutInputError(source, f"{what} must be a non-negative integer, got {value:g}")
    return int(value)


def parse_pmed(text: str, name: str = "pmed") -> LayoutProblem:
    """Parse a ``pmedN.txt`` file's text.

    Examples
    --------
    >>> problem = parse_pmed("3 3 1\\n1 2 5\\n2 3 4\\n1 2 1\\n")
    >>> problem.cost.tolist()
    [[0.0, 1.0, 5.0], [1.0, 0.0, 4.0], [5.0, 4.0, 0.0]]
    """
    values = _numbers(text, name)
    _need(values, 3, name, "the header n edges p")
    n = _integer(values[0], name, "n")
    edges = _integer(values[1], name, "the edge count")
    p = _integer(values[2], name, "p")
    _need(values, 3 + 3 * edges, name, f"{edges} edges")
    triples = np.array(values[3 : 3 + 3 * edges], dtype=np.float64).reshape(edges, 3)
    ends = triples[:, :2].astype(np.intp) - 1
    if edges and (ends.min() < 0 or ends.max() >= n):
        raise LayoutInputError(name, f"has an edge endpoint outside 1..{n}")
    # Last occurrence wins: a dict keyed by the unordered pair keeps the last cost written.
    last: dict[tuple[int, int], float] = {}
    for (a, b), cost in zip(ends.tolist(), triples[:, 2].tolist(), strict=True):
        last[(min(a, b), max(a, b))] = cost
    rows = np.array([a for a, _ in last], dtype=np.intp)
    cols = np.array([b for _, b in last], dtype=np.intp)
    weights = np.array(list(last.values()), dtype=np.float64)
    # csgraph treats explicit zeros as missing edges, so zero-cost edges get a tiny weight.
    weights = np.where(weights == 0, 1e-12, weights)
    graph = csr_matrix((weights, (rows, cols)), shape=(n, n))
    distance = shortest_path(graph, method="D", directed=False)
    if np.isinf(distance).any():
        raise LayoutInputError(name, "graph is not connected; some vertices cannot reach others")
    return LayoutProblem.p_median(np.round(distance, 9), p, name=name)


def parse_uncap(text: str, name: str = "uncap") -> LayoutProblem:
    """Parse a ``capNNN.txt`` file's text (the solver chooses how many sites to open).

    Examples
    --------
    >>> problem = parse_uncap("2 1\\n9 3.\\n9 4\\n5\\n1.5 2.5\\n")
    >>> problem.kind, problem.fixed_cost.tolist(), problem.cost.tolist()
    ('uncap', [3.0, 4.0], [[1.5, 2.5]])
    """
    values = _numbers(text, name)
    _need(values, 2, name, "the header m n")
    m = _integer(values[0], name, "m")
    n = _integer(values[1], name, "n")
    _need(values, 2 + 2 * m + n * (m + 1), name, f"{m} sites and {n} customers")
    sites = np.array(values[2 : 2 + 2 * m]).reshape(m, 2)
    body = np.array(values[2 + 2 * m : 2 + 2 * m + n * (m + 1)]).reshape(n, m + 1)
    return LayoutProblem.create(body[:, 1:], demand=body[:, 0], fixed_cost=sites[:, 1], name=name)


def parse_cpmp(text: str, name: str = "cpmp") -> LayoutProblem:
    """Parse a ``pmedcap1_NN.txt`` file's text (Euclidean distances rounded down).

    Examples
    --------
    >>> problem = parse_cpmp("1 7\\n2 1 10\\n1 0 0 4\\n2 3 4 5\\n")
    >>> problem.kind, problem.cost.tolist(), problem.capacity.tolist()
    ('cpmp', [[0.0, 5.0], [5.0, 0.0]], [10.0, 10.0])
    """
    values = _numbers(text, name)
    _need(values, 5, name, "the header")
    n = _integer(values[2], name, "n")
    p = _integer(values[3], name, "p")
    capacity = values[4]
    _need(values, 5 + 4 * n, name, f"{n} points")
    points = np.array(values[5 : 5 + 4 * n]).reshape(n, 4)
    xy = points[:, 1:3]
    distance = np.floor(np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)))
    return LayoutProblem.create(
        distance,
        demand=points[:, 3],
        capacity=np.full(n, capacity),
        p=p,
        name=name,
    )


def detect_kind(path: Path) -> OrlibKind:
    """Tell the format from the file name, else from the shape of its first lines.

    Raises
    ------
    LayoutInputError
        If the kind cannot be told.
    """
    stem = path.stem.lower()
    if stem.startswith("pmedcap"):
        return "cpmp"
    if stem.startswith("pmed"):
        return "pmed"
    if stem.startswith("cap"):
        return "uncap"
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()][:3]
    if len(lines) == 3:
        widths = [len(line) for line in lines]
        if widths[:2] == [2, 3] and len(lines[2]) == 4:
            return "cpmp"
        if widths[0] == 3:
            return "pmed"
        if widths[:2] == [2, 2]:
            return "uncap"
    raise LayoutInputError(str(path), "cannot tell whether it is a pmed, uncap or cpmp file")


_PARSERS = {"pmed": parse_pmed, "uncap": parse_uncap, "cpmp": parse_cpmp}


def known_optima(folder: Path) -> dict[str, float]:
    """Read the published optima beside the instances (``pmedopt.txt``, ``uncapopt.txt``)
    and the best values in the ``cpmp`` headers, keyed by instance name."""
    optima: dict[str, float] = {}
    for table in ("pmedopt.txt", "uncapopt.txt"):
        path = folder / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            match = re.match(r"\s*(\w+?)(?:\.txt)?\s+([-+0-9.eE]+)\s*$", line)
            if match:
                optima[match.group(1)] = float(match.group(2))
    for path in folder.glob("pmedcap*.txt"):
        head = path.read_text().split(maxsplit=2)
        if len(head) >= 2:
            optima[path.stem] = float(head[1])
    return optima


def load_orlib(path: Path | str, kind: OrlibKind | None = None) -> OrlibInstance:
    """Load one instance file; ``kind`` overrides detection.

    Raises
    ------
    LayoutInputError
        If the file is malformed or its kind cannot be told.
    FileNotFoundError
        If the file does not exist.
    """
    path = Path(path)
    kind = kind or detect_kind(path)
    if kind not in _PARSERS:
        raise LayoutInputError("kind", f"must be one of {sorted(_PARSERS)}, got {kind!r}")
    problem = _PARSERS[kind](path.read_text(), path.stem)
    return OrlibInstance(
        name=path.stem,
        kind=kind,
        problem=problem,
        optimum=known_optima(path.parent).get(path.stem),
    )
