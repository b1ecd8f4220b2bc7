"""`gridmap inspect …`: unannounced inspection plans (暗访) from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from gridmap.cli import (
    county_option,
    current_config,
    emit,
    main,
    os_actor,
    report_actor,
    reports_errors,
)
from gridmap.core import db
from gridmap.core.clock import today
from gridmap.core.errors import BadInput
from gridmap.inspections import plan_input, sampling

T = TypeVar("T")
R = TypeVar("R")

#: Keys printed with --json: the plan as the inspectors use it.
JSON_KEYS = ("id", "county", "seed", "name", "first_day", "days", "teams", "hours_per_day",
             "seat", "routes", "dropped", "totals", "townships_without_candidates", "closed_at",
             "closed_by", "inputs", "travel_model", "unreachable_by_road")  # fmt: skip


#: Why a stop is left out (gridmap.inspections.left_out), as the plan's text says it.
LEFT_OUT = {"no_time": "no time left in any team-day",
            "heavier_preferred": "a heavier stop preferred"}  # fmt: skip


@main.group("inspect")
def inspect_group() -> None:
    """Unannounced inspection plans: sampled stops, team-day routes, itineraries."""


def _option(parse: Callable[[T], R], value: T, hint: str) -> R:
    """`parse(value)`, its BadInput told as a usage error of option `hint`."""
    try:
        return parse(value)
    except BadInput as exc:
        raise click.BadParameter(exc.message, param_hint=hint) from None


@inspect_group.command("plan")
@click.option("--name", required=True, help="name of the plan")
@click.option("--start", "first_day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="first day (YYYY-MM-DD)")  # fmt: skip
@click.option("--days", required=True, type=click.IntRange(1, 31))
@click.option("--teams", required=True, type=click.IntRange(1, 50))
@click.option("--hours", required=True, type=click.FloatRange(0.5, 16), help="working hours a day")
@click.option("--stops", type=click.IntRange(1, 1000), help="stops to sample in all")
@click.option("--per-township", type=click.IntRange(1, 100), help="stops to sample per township")
@click.option("--mandatory/--no-mandatory", default=True,
              help="one stop per township that is never dropped (default on)")  # fmt: skip
@click.option("--from", "sources", default=",".join(sampling.SOURCES), show_default=True,
              help="what to sample from")  # fmt: skip
@click.option("--quota", "quotas", multiple=True, metavar="SOURCE=N",
              help="draw exactly N stops from SOURCE (households, projects, groups, villages); "
                   "repeat for each source")  # fmt: skip
@click.option("--weight", "weights", multiple=True, metavar="SOURCE=X",
              help="multiply the configured weights of SOURCE's places by X (above 0) in this "
                   "plan; repeat for each source")  # fmt: skip
@click.option("--seat", help="start and end point lon,lat (default: the configured seat)")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="redo a plan with its seed")
@click.option("--gpx", "gpx_dir", type=click.Path(file_okay=False, path_type=Path),
              help="also write a GPX file per team-day into this folder")  # fmt: skip
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def plan_command(name: str, first_day: object, days: int, teams: int, hours: float,
                 stops: int | None, per_township: int | None, mandatory: bool, sources: str,
                 quotas: tuple[str, ...], weights: tuple[str, ...], seat: str | None,
                 seed: int | None, gpx_dir: Path | None, counties: tuple[str, ...],
                 as_json: bool) -> None:  # fmt: skip
    """Sample places of one county to inspect, route them over teams and days, and keep the
    plan secret."""
    from gridmap.inspections import plan
    from gridmap.inspections.compose import PlanRequest

    config = current_config()
    request = PlanRequest(
        name=name, first_day=first_day.date(), days=days, teams=teams,  # type: ignore[attr-defined]
        hours=hours, stops=stops, per_township=per_township, mandatory=mandatory, seed=seed,
        sources=_option(plan_input.source_list, sources, "--from"),
        quotas=_option(plan_input.quota_pairs, quotas, "--quota"),
        weights=_option(plan_input.weight_pairs, weights, "--weight"),
        seat=plan_input.parse_point(seat, "--seat") if seat else None,
    )  # fmt: skip
    with db.connect(config) as conn:
        actor = report_actor(conn, counties)
        made = plan.create_plan(conn, config, request, actor, today(config.timezone))
        if gpx_dir is not None:
            _write_gpx(conn, made["id"], gpx_dir)
    emit({k: made[k] for k in JSON_KEYS}, as_json, _plan_text)


@inspect_group.command("show")
@click.argument("plan_id", type=int)
@click.option("--gpx", "gpx_dir", type=click.Path(file_okay=False, path_type=Path),
              help="also write a GPX file per team-day into this folder")  # fmt: skip
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def show_command(plan_id: int, gpx_dir: Path | None, as_json: bool) -> None:
    """Print a stored plan (the view is audited)."""
    from gridmap.inspections import plan

    config = current_config()
    with db.connect(config) as conn:
        found = plan.view_plan(conn, plan_id, os_actor(), "view", {"via": "cli"})
        if gpx_dir is not None:
            _write_gpx(conn, plan_id, gpx_dir)
    emit({k: found[k] for k in JSON_KEYS}, as_json, _plan_text)


@inspect_group.command("close")
@click.argument("plan_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def close_command(plan_id: int, as_json: bool) -> None:
    """Close a plan: it takes no more visits, and its visits now count in every report."""
    from gridmap.inspections import plan

    config = current_config()
    with db.connect(config) as conn:
        closed = plan.close_plan(conn, config, plan_id, os_actor())
    emit(closed, as_json, lambda c: f"closed plan {c['id']} at {c['closed_at']}; visits to "
         f"{len(c['households'])} households now count")  # fmt: skip


@inspect_group.command("list")
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def list_command(counties: tuple[str, ...], as_json: bool) -> None:
    """List the stored plans of the chosen counties, newest first (audited)."""
    from gridmap.inspections import plan

    config = current_config()
    with db.connect(config) as conn:
        plans = plan.list_plans(conn, report_actor(conn, counties))
    emit({"plans": plans}, as_json, lambda r: "\n".join(
        f"{p['id']} {p['name']} {p['first_day']} {p['teams']}×{p['days']}"
        + (" (closed)" if p["closed_at"] else "") for p in r["plans"]
    ) or "no plans")  # fmt: skip


def _write_gpx(conn, plan_id: int, folder: Path) -> list[Path]:  # type: ignore[no-untyped-def]
    """Write one GPX per used team-day (one audited export) and return the paths."""
    from gridmap.inspections import exports, plan

    found = plan.view_plan(conn, plan_id, os_actor(), "export",
                           {"format": "gpx", "folder": str(folder)})  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for route in found["routes"]:
        if route["stops"]:
            path = folder / f"{exports.file_stem(found, route['team'], route['day'])}.gpx"
            path.write_text(exports.gpx(found, route["team"], route["day"]), encoding="utf-8")
            written.append(path)
    return written


def _plan_text(p: dict) -> str:
    t = p["totals"]
    lines = [f"plan {p['id']} ({p['name']}), seed {p['seed']}: {t['visited']} stops visited, "
             f"{t['dropped']} dropped, {t['hours']} h, {t['km']} km"]  # fmt: skip
    used = (p.get("inputs") or {}).get("settings") or {}
    if "prize_seconds" in used:
        lines.append(
            f"  prize per unit of weight: {used['prize_seconds']} s of travel "
            f"(setting {used.get('prize_seconds_setting', used['prize_seconds'])} s)"
        )
    weights = (p.get("inputs") or {}).get("weights") or {}
    if weights:
        named = [f"{s} × {weights[s]:g}" for s in sampling.SOURCES if s in weights]
        lines.append("  weights: " + ", ".join(named))
    lines.append(f"  travel: {p.get('travel_model', 'straight')}")
    lines += [f"  no road reaches {u['kind']} {u['code']} ({u['name']})"
              for u in p.get("unreachable_by_road") or []]  # fmt: skip
    for r in p["routes"]:
        codes = " ".join(f"{s['eta']} {s['code']}" for s in r["stops"]) or "(no stops)"
        lines.append(f"  team {r['team']} {r['day']}: {r['hours']} h, {r['km']} km: {codes}")
    lines += [f"  dropped {d['kind']} {d['code']} (weight {d['weight']})"
              + (f": {LEFT_OUT[d['reason']]}" if d.get("reason") in LEFT_OUT else "")
              for d in p["dropped"]]  # fmt: skip
    return "\n".join(lines)
