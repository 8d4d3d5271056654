"""Solve the shared OR-Library instances with the layout heuristic and the exact solver.

Prints, per instance and method, the plan's cost, the published optimum, the gap to it (%)
and the seconds taken, then a summary per method. Absolute times on shared machines are
noise; compare the two methods of the same run.

    python bench/layout_orlib.py                      # everything, both methods
    python bench/layout_orlib.py --only pmed --method exact
    python bench/layout_orlib.py --only pmed1 --only cap71
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from algorithms.layout import LayoutPlan, solve_exact, solve_heuristic
from loaders.orlib import OrlibInstance, load_orlib


def shared_dir() -> Path:
    override = os.environ.get("YIMA_SHARED_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared"


def instance_files(root: Path, only: list[str]) -> list[Path]:
    files = [
        path
        for folder in ("pmed", "uncap", "cpmp")
        for path in (root / "data" / "or-library" / folder).glob("*.txt")
        if not path.stem.endswith("opt")
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
    return solve_heuristic(instance.problem, time_limit=min(time_limit, 10.0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="instance or folder name")
    parser.add_argument("--method", choices=["heuristic", "exact", "both"], default="both")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per solve")
    args = parser.parse_args(argv)
    methods = ["heuristic", "exact"] if args.method == "both" else [args.method]
    files = instance_files(shared_dir(), args.only)
    if not files:
        print("no instances found", file=sys.stderr)
        return 1
    header = f"{'instance':<12} {'method':<9} {'cost':>14} {'optimum':>14} {'gap %':>8} "
    header += f"{'bound gap %':>11} {'seconds':>8}"
    print(header)
    summary: dict[str, list[tuple[float, float, bool, bool]]] = {m: [] for m in methods}
    for path in files:
        instance = load_orlib(path)
        for method in methods:
            plan = solve(instance, method, args.time_limit)
            optimum = instance.optimum
            gap = 100 * (plan.cost - optimum) / optimum if optimum else float("nan")
            bound = "-" if plan.gap is None else f"{100 * plan.gap:.4f}"
            print(
                f"{instance.name:<12} {method:<9} {plan.cost:>14.3f} "
                f"{optimum if optimum is not None else float('nan'):>14.3f} {gap:>8.3f} "
                f"{bound:>11} {plan.seconds:>8.2f}",
                flush=True,
            )
            hit = optimum is not None and plan.cost <= optimum * (1 + 1e-7)
            summary[method].append((gap, plan.seconds, hit, plan.proven_optimal))
    for method, rows in summary.items():
        gaps = [row[0] for row in rows]
        seconds = [row[1] for row in rows]
        print(
            f"summary {method}: {len(rows)} instances, optimum reached {sum(r[2] for r in rows)}, "
            f"proven optimal {sum(r[3] for r in rows)}, max gap {max(gaps):.3f} %, "
            f"mean gap {sum(gaps) / len(gaps):.3f} %, max {max(seconds):.2f} s, "
            f"total {sum(seconds):.1f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
