"""``yima layout``: solve channel-layout instances from the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from algorithms.layout import LayoutInputError, solve_exact, solve_heuristic
from loaders.orlib import load_orlib

__all__ = ["app"]

app = typer.Typer(
    help="Channel-layout optimization (渠道布局优化): where sites sit, whom they serve."
)


class Kind(StrEnum):
    pmed = "pmed"
    uncap = "uncap"
    cpmp = "cpmp"


class Method(StrEnum):
    heuristic = "heuristic"
    exact = "exact"


@app.command()
def orlib(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Instance file.")],
    kind: Annotated[Kind | None, typer.Option(help="File format; detected when omitted.")] = None,
    p: Annotated[int | None, typer.Option(help="Override the number of sites to open.")] = None,
    method: Annotated[Method, typer.Option(help="Solver to use.")] = Method.heuristic,
    time_limit: Annotated[float, typer.Option(help="Seconds for the solver.")] = 60.0,
) -> None:
    """Solve one OR-Library instance; the last line printed is the plan's cost."""
    try:
        instance = load_orlib(file, kind.value if kind else None)
        problem = instance.problem
        if p is not None:
            problem = problem.with_p(p)
        if method is Method.exact:
            plan = solve_exact(problem, time_limit=time_limit)
        else:
            plan = solve_heuristic(problem, time_limit=time_limit)
    except LayoutInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(
        f"instance: {instance.name} ({instance.kind}, {problem.n_stores} stores, "
        f"{problem.n_sites} sites, p={problem.p})"
    )
    typer.echo(f"method: {plan.method}, {plan.seconds:.2f} s")
    typer.echo(f"open sites: {' '.join(str(j + 1) for j in plan.open_sites)}")
    if plan.lower_bound is not None:
        typer.echo(
            f"lower bound: {plan.lower_bound:g}, gap: {100 * (plan.gap or 0):.4f} %"
            + (" (optimal)" if plan.proven_optimal else "")
        )
    if instance.optimum is not None and p is None:
        typer.echo(f"published optimum: {format_cost(instance.optimum)}")
    typer.echo(format_cost(plan.cost))


def format_cost(cost: float) -> str:
    """The cost as a plain number: ``5819`` or ``932615.75``, without float noise."""
    value = round(cost, 6)
    return str(int(value)) if value.is_integer() else repr(value)
