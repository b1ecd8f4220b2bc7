"""The demo load: the sample county and its records through the ordinary import paths."""

from __future__ import annotations

import re
from datetime import date, timedelta

from click.testing import CliRunner

from gridmap.cli import main
from gridmap.core.config import Config
from gridmap.fieldwork import campaigns, monitoring
from gridmap.sample import demo

TODAY = date(2026, 6, 30)


def test_demo_loads_a_small_county_with_local_visits_monitoring_and_a_campaign(conn):
    report = demo.load_demo(conn, Config(), households_n=1500, seed=5, today=TODAY)
    (county,) = report["counties"]
    assert (county["code"], county["name"]) == ("341890", "青岚县")
    assert county["grids"]["file"] == "sample-county.gpkg"
    assert county["households"]["created"] == 1500
    assert county["visits"]["inserted"] > 1000
    assert demo.is_loaded(conn)
    visits, strangers = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS ("
        "  SELECT 1 FROM worker_group wg WHERE wg.worker_code = v.visitor_code"
        "  AND left(wg.group_code, 9) = left(h.unit_code, 9))) "
        "FROM visit v JOIN household h ON h.code = v.household_code"
    ).fetchone()
    assert visits > 1000
    # Households placed outside every group keep their township only when they lie in one.
    assert strangers / visits < 0.01
    _check_monitoring(conn, county)
    _check_campaign(conn, county)


def _check_monitoring(conn, report: dict) -> None:
    """Every monitored household has its period; the import left the households unchanged."""
    monitored, eliminated = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE risk_eliminated) FROM household "
        "WHERE category = 'monitored'"
    ).fetchone()
    assert monitored > 10 and 0 < eliminated < monitored
    assert report["monitoring"]["created"] == monitored
    assert report["monitoring"]["households_updated"] == 0
    counts = monitoring.monitoring_counts(conn, TODAY - timedelta(days=4 * 365), TODAY)["total"]
    assert counts["identified"] == monitored and counts["eliminated"] == eliminated
    assert counts["at_risk_end"] == monitored - eliminated
    assert counts["identified_cadre_visit"] > counts["identified_self_report"]


def _check_campaign(conn, report: dict) -> None:
    """The campaign targets grouped monitored and lifted households; some are still waiting."""
    campaign = report["campaign"]
    assert campaign["name"] == "第三次集中走访" and campaign["ends_on"] == TODAY - timedelta(days=1)
    (target,) = conn.execute(
        # Lifted households, and the others being monitored on the campaign's last day.
        "SELECT count(*) FROM household h WHERE h.status = 'active' AND h.unit_code IS NOT NULL "
        "AND (h.base_category = 'lifted' OR EXISTS (SELECT 1 FROM monitoring m "
        "WHERE m.household_code = h.code AND m.identified_on <= %(day)s "
        "AND (m.eliminated_on IS NULL OR m.eliminated_on > %(day)s)))",
        {"day": campaign["ends_on"]},
    ).fetchone()
    total = campaigns.campaign_progress(conn, Config(), campaign["id"])["total"]
    assert total["target"] == target > 100
    assert 0 < total["visited"] < target
    assert 0.55 < total["visited_share"] < 0.9
    audited = conn.execute(
        "SELECT client FROM audit WHERE action = 'campaign.add' AND target = %s",
        [str(campaign["id"])],
    ).fetchall()
    assert audited == [("cli",)]


def test_demo_command_loads_once_and_names_its_campaign_and_accounts(cli_env):
    runner = CliRunner()
    args = ["demo", "--households", "1200", "--no-serve"]
    env = {**cli_env, "GRIDMAP_DEMO_PASSWORD": "Demo-password-42"}
    first = runner.invoke(main, args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "1,200 households" in first.stdout
    assert re.search(r'campaign \d+ "第三次集中走访" runs [\d-]+ to [\d-]+: see /campaigns/\d+',
                     first.stdout)  # fmt: skip
    assert re.search(r"admin\s+user \S+\s+password Demo-password-42", first.stdout)
    again = runner.invoke(main, args, env=env, catch_exceptions=False)
    assert again.exit_code == 0
    assert "not loading the sample again" in again.stdout
    assert "campaign" not in again.stdout
