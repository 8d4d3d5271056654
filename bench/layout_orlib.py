"""Solve the OR-Library instances with the layout heuristic and the exact solver.

The instances are the shared OR-Library files (``pmed``, ``uncap``, the 50-point half of
the Osman–Christofides ``cpmp`` set) and yima's random capacitated p-median fixtures of 100
and 200 points (``tests/fixtures/cpmp``, optima proven by the exact solver). Prints, per
instance and method, the plan's cost, the optimum, the gap to it (%), the gap to the plan's
own lower bound (%), the seconds taken and the CPU seconds the solve got; then a summary per
method, and for the capacitated set the heuristic's worst gap and slowest time beside the
exact solver's in the same run. Absolute times on shared machines are noise: compare the two
methods of the run, and the CPU seconds with the wall seconds (the load average is printed
at the start and the end).

    python bench/layout_orlib.py                      # everything, both methods
    python bench/layout_orlib.py --only cpmp          # the capacitated set
    python bench/layout_orlib.py --only pmed --method exact
    python bench/layout_orlib.py --only pmed1 --only cap71
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from algorithms.layout import LayoutPlan, solve_exact, solve_heuristic
from loaders.orlib import OrlibInstance, load_orlib

ROOT = Path(__file__).resolve().parents[1]
#: The heuristic's time limit: the capacitated target is 1 % of the optimum within 10 s.
HEURISTIC_SECONDS = 10.0


def shared_dir() -> Path:
    override = os.environ.get("YIMA_SHARED_DIR")
    if override:
        return Path(override)
    return ROOT.parent / "shared"


def instance_files(root: Path, only: list[str]) -> list[Path]:
    folders = [root / "data" / "or-library" / name for name in ("pmed", "uncap", "cpmp")]
    folders.append(ROOT / "tests" / "fixtures" / "cpmp")
    files = [
        path for folder in folders for path in folder.glob("*.txt") if not path.stem.endswith("opt")
    ]

    def natural(path: Path) -> tuple[str, str, int]:
        digits = re.findall(r"\d+", path.stem)
        return (path.parent.name, re.sub(r"\d+", "", path.stem), int("".join(digits) or 0))

    files.sort(key=natural)
    if only:
        files = [
            path
            for path in files
            if any(path.stem == name or path.parent.name == name for name in only)
        ]
    return files


def solve(instance: OrlibInstance, method: str, time_limit: float) -> LayoutPlan:
    if method == "exact":
        return solve_exact(instance.problem, time_limit=time_limit)
    return solve_heuristic(instance.problem, time_limit=min(time_limit, HEURISTIC_SECONDS))


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    kind: str
    gap: float
    bound_gap: float | None
    seconds: float
    hit: bool
    proven: bool


def summarise(method: str, rows: list[Row]) -> str:
    gaps = [row.gap for row in rows]
    seconds = [row.seconds for row in rows]
    return (
        f"summary {method}: {len(rows)} instances, optimum reached {sum(r.hit for r in rows)}, "
        f"proven optimal {sum(r.proven for r in rows)}, max gap {max(gaps):.3f} %, "
        f"mean gap {sum(gaps) / len(gaps):.3f} %, max {max(seconds):.2f} s, "
        f"total {sum(seconds):.1f} s"
    )


def capacitated_summary(summary: dict[str, list[Row]]) -> list[str]:
    """Per size of the capacitated set, each method's worst gap and slowest time, side by
    side."""
    groups = (
        ("50 points (shared)", lambda name: not name.startswith("pmedcap_r")),
        ("100 points", lambda name: name.startswith("pmedcap_r100")),
        ("200 points", lambda name: name.startswith("pmedcap_r200")),
    )
    lines = []
    for label, member in groups:
        parts = []
        for method, rows in summary.items():
            part = [row for row in rows if row.kind == "cpmp" and member(row.name)]
            if not part:
                continue
            worst = max(part, key=lambda r: r.gap)
            slowest = max(part, key=lambda r: r.seconds)
            bounds = [r.bound_gap for r in part if r.bound_gap is not None]
            own = f"{max(bounds):.2f} %" if len(bounds) == len(part) else "missing"
            parts.append(
                f"{method} worst gap {worst.gap:.2f} % ({worst.name}), slowest "
                f"{slowest.seconds:.1f} s ({slowest.name}), gap to own bound <= {own}, "
                f"proven {sum(r.proven for r in part)}/{len(part)}"
            )
        if parts:
            lines.append(f"capacitated {label}: " + " | ".join(parts))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="instance or folder name")
    parser.add_argument("--method", choices=["heuristic", "exact", "both"], default="both")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds per solve")
    args = parser.parse_args(argv)
    methods = ["heuristic", "exact"] if args.method == "both" else [args.method]
    files = instance_files(shared_dir(), args.only)
    if not files:
        print("no instances found", file=sys.stderr)
        return 1
    header = f"{'instance':<22} {'method':<9} {'cost':>14} {'optimum':>14} {'gap %':>8} "
    header += f"{'bound gap %':>11} {'seconds':>8} {'cpu s':>7}"
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores at the start")
    print(header)
    summary: dict[str, list[Row]] = {m: [] for m in methods}
    for path in files:
        instance = load_orlib(path)
        for method in methods:
            cpu = time.process_time()
            plan = solve(instance, method, args.time_limit)
            # On a shared machine the CPU the solve got says how loaded the wall time was.
            cpu = time.process_time() - cpu
            optimum = instance.optimum
            gap = 100 * (plan.cost - optimum) / optimum if optimum else float("nan")
            bound = "-" if plan.gap is None else f"{100 * plan.gap:.4f}"
            print(
                f"{instance.name:<22} {method:<9} {plan.cost:>14.3f} "
                f"{optimum if optimum is not None else float('nan'):>14.3f} {gap:>8.3f} "
                f"{bound:>11} {plan.seconds:>8.2f} {cpu:>7.2f}",
                flush=True,
            )
            summary[method].append(
                Row(
                    name=instance.name,
                    kind=instance.kind,
                    gap=gap,
                    bound_gap=None if plan.gap is None else 100 * plan.gap,
                    seconds=plan.seconds,
                    hit=optimum is not None and plan.cost <= optimum * (1 + 1e-7),
                    proven=plan.proven_optimal,
                )
            )
    for method, rows in summary.items():
        print(summarise(method, rows))
    for line in capacitated_summary(summary):
        print(line)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
