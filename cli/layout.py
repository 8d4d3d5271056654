"""``yima layout``: plan the channel layout on the graph, or solve OR-Library instances."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from algorithms.layout import LayoutInputError, solve_exact, solve_heuristic
from cli.database import open_database
from graph_model.layout import DemandSource, LayoutModel, SolveMethod
from loaders.orlib import load_orlib

if TYPE_CHECKING:
    from graph_model.layout import StoredPlan
    from services.layout import PreparedLayout

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


@app.command()
def plan(
    k: Annotated[int | None, typer.Option("--k", help="Sites to open (p-median).")] = None,
    model: Annotated[LayoutModel, typer.Option(help="Layout model.")] = LayoutModel.P_MEDIAN,
    period_from: Annotated[
        datetime | None, typer.Option(help="Demand from this time (UTC unless an offset).")
    ] = None,
    period_to: Annotated[datetime | None, typer.Option(help="Demand before this time.")] = None,
    demand: Annotated[DemandSource, typer.Option(help="What counts as demand.")] = (
        DemandSource.SHIPPED
    ),
    region: Annotated[
        str | None, typer.Option(help="Plan the stores of this region code only.")
    ] = None,
    store: Annotated[
        list[str] | None, typer.Option(help="Plan these stores only (repeatable).")
    ] = None,
    site: Annotated[list[str] | None, typer.Option(help="Extra candidate site id.")] = None,
    cities: Annotated[
        bool, typer.Option("--cities/--no-cities", help="Prefecture cities as candidates.")
    ] = True,
    keep_current: Annotated[
        bool, typer.Option("--keep-current", help="Today's sites must stay open.")
    ] = False,
    capacity: Annotated[
        float | None, typer.Option(help="Capacity of every site without its own (units).")
    ] = None,
    fixed_cost: Annotated[
        float | None, typer.Option(help="Opening cost of every site without its own.")
    ] = None,
    radius_km: Annotated[float | None, typer.Option(help="Service radius (km).")] = None,
    method: Annotated[SolveMethod, typer.Option(help="Solver.")] = SolveMethod.AUTO,
    time_limit: Annotated[float, typer.Option(help="Seconds for the solver.")] = 20.0,
    out: Annotated[Path | None, typer.Option(help="Write a map picture (PNG) here.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the plan.")] = True,
) -> None:
    """Propose a channel layout from the graph and compare it with today's."""
    from graph_model.errors import InvalidField
    from graph_model.layout import LayoutRequest
    from services.layout import LayoutService

    request = LayoutRequest(
        model=model,
        k=k,
        keep_current_sites=keep_current,
        period_from=period_from,
        period_to=period_to,
        demand_source=demand,
        store_ids=tuple(store) if store else None,
        region_code=region,
        site_ids=tuple(site or ()),
        include_cities=cities,
        default_capacity=capacity,
        default_fixed_cost=fixed_cost,
        radius_km=radius_km,
        method=method,
        time_limit=time_limit,
    )
    db = open_database()
    try:
        service = LayoutService(db)
        prepared = service.prepare(request)
        result = service.solve(prepared)
        if save:
            result = service.save(result)
    except InvalidField as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        db.close()
    for line in summary_lines(result, saved=save):
        typer.echo(line)
    if out is not None:
        typer.echo(f"map: {draw_plan_map(out, prepared, result)}")


def summary_lines(plan: StoredPlan, *, saved: bool) -> list[str]:
    """The plan and its comparison with today's layout, as lines of text."""
    c = plan.comparison
    lines = [
        f"plan: {plan.id}" + ("" if saved else " (not stored)"),
        f"model: {plan.model} ({plan.kind}), k={plan.k}, demand: {plan.demand_source}, "
        f"distance: {plan.distance}",
        f"stores: {len(plan.assignments)}, demand: {plan.total_demand:g} units, "
        f"sites opened: {len(plan.open_sites)}",
        f"method: {plan.method}, {plan.seconds:.2f} s",
        f"cost: {plan.cost:,.1f} (demand-weighted km plus opening costs)",
    ]
    if plan.lower_bound is not None:
        lines.append(
            f"lower bound: {plan.lower_bound:,.1f}, gap: {100 * (plan.gap or 0):.4f} %"
            + (" (optimal)" if plan.proven_optimal else "")
        )
    else:
        lines.append("lower bound: none (heuristic plan, optimality not proven)")
    if c.current_cost is not None and c.cost_saved is not None:
        share = c.cost_saved / c.current_cost if c.current_cost else 0.0
        lines.append(
            f"today: {c.current_cost:,.1f}, saved: {c.cost_saved:,.1f} ({100 * share:.1f} %), "
            f"stores reassigned: {len(c.stores_reassigned)}"
        )
    else:
        lines.append("today: no store has a known supplier")
    if plan.radius_km is not None:
        lines.append(
            f"demand within {plan.radius_km:g} km: {100 * (c.demand_within_radius or 0):.1f} %"
            + (
                ""
                if c.current_demand_within_radius is None
                else f" (today {100 * c.current_demand_within_radius:.1f} %)"
            )
        )
        lines.append(
            f"coverage gaps: {len(c.coverage_gap_stores)} stores"
            + (f" in regions {', '.join(c.coverage_gap_regions)}" if c.coverage_gap_regions else "")
        )
    lines.append("sites:")
    for s in plan.sites:
        state = "opens" if s.opened else "closes"
        lines.append(
            f"  {state:6} {s.kind:6} {s.id}  {s.name or ''}  stores={s.stores} "
            f"demand={s.demand:g}" + ("  (today)" if s.current else "")
        )
    return lines


def draw_plan_map(path: Path, prepared: PreparedLayout, plan: StoredPlan) -> Path:
    """Draw today's layout beside the plan's."""
    from algorithms.layout.maps import draw_layout_map

    index = {site.id: j for j, site in enumerate(prepared.sites)}
    by_store = {a.store_id: index[a.site_id] for a in plan.assignments}
    proposal = [by_store[s.id] for s in prepared.stores]
    today = prepared.today_assignment()
    labels = [site.name or _short(site.id) for site in prepared.sites]
    return draw_layout_map(
        path,
        [(s.lat or 0.0, s.lon or 0.0) for s in prepared.stores],
        [(s.lat or 0.0, s.lon or 0.0) for s in prepared.sites],
        proposal,
        current_assignment=today,
        demand=[s.demand for s in prepared.stores],
        site_labels=labels,
        titles=(
            f"today: {len(prepared.current_sites)} sites, "
            f"cost {plan.comparison.current_cost or 0:,.0f}",
            f"proposal: {len(plan.open_sites)} sites, cost {plan.cost:,.0f}",
        ),
        suptitle=f"channel layout {plan.model} k={plan.k} ({plan.method})",
    )


def _short(site_id: str) -> str:
    # SGLN urn:epc:id:sgln:CP.LOCREF.0 -> LOCREF; region codes stay as they are.
    if site_id.startswith("urn:epc:id:sgln:"):
        return "D" + site_id.rsplit(".", 2)[-2]
    return site_id
