"""`gridmap campaigns …`, `gridmap import monitoring`, `gridmap monitoring report`, visit review."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import click

from gridmap.cli import (
    county_option,
    current_config,
    emit,
    main,
    mixed_counties_option,
    os_actor,
    report_actor,
    reports_errors,
    run_import,
)
from gridmap.cli.grid_commands import import_group
from gridmap.core import db
from gridmap.core.clock import today

DAY = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: object) -> date:
    return value.date()  # type: ignore[attr-defined]


@main.group("campaigns")
def campaigns_group() -> None:
    """Visit campaigns (集中走访): create them and follow their progress."""


@campaigns_group.command("add")
@click.argument("name")
@click.option("--from", "starts", type=DAY, required=True, help="first day (YYYY-MM-DD)")
@click.option("--to", "ends", type=DAY, required=True, help="last day (YYYY-MM-DD)")
@click.option(
    "--scope",
    "scope_codes",
    multiple=True,
    help="unit code whose households are targeted (repeat, or separate with commas), all in "
    "one county; a county's code targets the whole county",
)
@click.option(
    "--categories",
    multiple=True,
    help="lifted, monitored, ordinary (or 脱贫户, 监测对象, 一般农户); default all",
)
@click.option("--json", "as_json", is_flag=True)
@reports_errors()  # fmt: skip
def campaigns_add(
    name: str, starts: object, ends: object, scope_codes: tuple[str, ...],
    categories: tuple[str, ...], as_json: bool,
) -> None:  # fmt: skip
    """Create a campaign over households of some categories in some units, for some days."""
    from gridmap.fieldwork import campaigns
    from gridmap.fieldwork.campaign_input import new_campaign

    campaign = new_campaign(name, _day(starts), _day(ends), scope_codes, categories)
    with db.connect(current_config()) as conn:
        made = campaigns.add_campaign(conn, os_actor(), campaign)
    emit(made, as_json, lambda c: f"created campaign {c['id']}: {c['name']}")


@campaigns_group.command("list")
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def campaigns_list(counties: tuple[str, ...], as_json: bool) -> None:
    """List the campaigns of the chosen counties, latest first."""
    from gridmap.fieldwork import campaigns

    with db.connect(current_config()) as conn:
        scope = report_actor(conn, counties).scope
        found = {"campaigns": campaigns.list_campaigns(conn, scope)}
    emit(found, as_json, lambda r: "\n".join(
        f"{c['id']}: {c['name']} {c['starts_on']}..{c['ends_on']}" for c in r["campaigns"]
    ))  # fmt: skip


@campaigns_group.command("progress")
@click.argument("campaign_id", type=int)
@click.option("--level", type=click.IntRange(1, 4), help="only units of this level")
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(path_type=Path),
    help="also write the unvisited households, one sheet per village",
)
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()  # fmt: skip
def campaigns_progress(
    campaign_id: int, level: int | None, xlsx_path: Path | None, counties: tuple[str, ...],
    as_json: bool,
) -> None:  # fmt: skip
    """Target and visited households per unit, adding up across levels."""
    from gridmap.fieldwork import campaigns
    from gridmap.files.monitoring import unvisited_workbook

    config = current_config()
    with db.connect(config) as conn:
        # The campaign names its county, as a unit would; --county may still narrow.
        county = campaigns.campaign_county(conn, campaign_id, os_actor().scope)
        chosen = report_actor(conn, counties, within=county)
        scope = campaigns.campaign_scope(conn, campaign_id, chosen.scope)
        actor = replace(chosen, scope=scope)
        report = campaigns.campaign_progress(conn, config, campaign_id, actor.scope, level=level)
        if xlsx_path is not None:
            _, rows = campaigns.unvisited_list(conn, config, campaign_id, actor)
            xlsx_path.write_bytes(unvisited_workbook(rows))
    emit(report, as_json, _progress_text)


def _progress_text(report: dict) -> str:
    total = report["total"]
    lines = [f"{report['campaign']['name']}: {total['visited']} of {total['target']} visited"]
    lines += [
        f"{'  ' * (u['level'] - 1)}{u['code']} {u['name']}: {u['visited']}/{u['target']}"
        for u in report["units"]
        if u["level"] <= 3
    ]
    return "\n".join(lines)


@import_group.command("monitoring")
@click.argument("file", type=click.Path(path_type=Path))
@mixed_counties_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def import_monitoring(file: Path, mixed_counties: bool, as_json: bool) -> None:
    """Import monitoring periods: identification, how found, risk, measures, elimination."""
    run_import("monitoring", file, as_json, mixed_counties=mixed_counties)


@main.group("monitoring")
def monitoring_group() -> None:
    """Monitoring against falling back into poverty (防返贫监测)."""


@monitoring_group.command("report")
@click.option("--from", "starts", type=DAY, help="first day (default: 1 January this year)")
@click.option("--to", "ends", type=DAY, help="last day (default: today)")
@click.option("--level", type=click.IntRange(1, 4), help="only units of this level")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), help="also write XLSX")
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def monitoring_report(
    starts: object, ends: object, level: int | None, xlsx_path: Path | None,
    counties: tuple[str, ...], as_json: bool,
) -> None:  # fmt: skip
    """Identified, eliminated and still-at-risk counts per unit for a period."""
    from gridmap.fieldwork import monitoring

    config = current_config()
    now = today(config.timezone)
    start = _day(starts) if starts else now.replace(month=1, day=1)
    end = _day(ends) if ends else now
    with db.connect(config) as conn:
        scope = report_actor(conn, counties).scope
        report = monitoring.monitoring_counts(conn, start, end, scope, level=level)
    if xlsx_path is not None:
        xlsx_path.write_bytes(monitoring.monitoring_workbook(report))
    emit(report, as_json, _monitoring_text)


def _monitoring_text(report: dict) -> str:
    total = report["total"]
    lines = [
        f"{report['from']}..{report['to']}: identified {total['identified']}, eliminated "
        f"{total['eliminated']}, at risk at the end {total['at_risk_end']}"
    ]
    lines += [
        f"{'  ' * (u['level'] - 1)}{u['code']} {u['name']}: +{u['identified']} "
        f"-{u['eliminated']} ={u['at_risk_end']}"
        for u in report["units"]
        if u["level"] <= 2
    ]
    return "\n".join(lines)


@main.group("visits")
def visits_group() -> None:
    """Review recorded visits."""


@visits_group.command("doubtful")
@county_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors()
def visits_doubtful(counties: tuple[str, ...], as_json: bool) -> None:
    """List doubtful visits (check-in far from the household) awaiting a decision."""
    from gridmap.fieldwork import visits

    with db.connect(current_config()) as conn:
        # An administrator, who sees hidden visits in the API too.
        actor = report_actor(conn, counties)
        found = {"visits": visits.list_visits(conn, actor.scope, pending_doubtful=True,
                                              hidden=visits.sees_hidden(actor))}  # fmt: skip
    emit(found, as_json, lambda r: "\n".join(
        f"{v['id']}: {v['household']} {v['visited_at']} by {v['visitor']}, "
        f"{v['checkin_distance_m']} m away" for v in r["visits"]
    ))  # fmt: skip


@visits_group.command("reject")
@click.argument("visit_id", type=int)
@click.option("--reason", required=True, help="why the visit does not count")
@reports_errors()
def visits_reject(visit_id: int, reason: str) -> None:
    """Reject a visit: it stops counting and the household's last visit date is recomputed."""
    from gridmap.fieldwork import visits

    config = current_config()
    with db.connect(config) as conn:
        result = visits.reject_visit(conn, config, os_actor(), visit_id, reason)
    click.echo(f"rejected visit {visit_id}; {result['household']} last visited "
               f"{result['last_visit_on'] or 'never'}")  # fmt: skip
