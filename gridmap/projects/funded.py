"""Funded projects (衔接资金项目) and village pairings: imports, the form, the report, map data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import psycopg
import shapely.geometry

from gridmap.access import audit
from gridmap.access.accounts import EVERYTHING, Actor, Scope
from gridmap.core import vocab
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, NotFound
from gridmap.files import project_exports, project_pairings
from gridmap.files import projects as project_io
from gridmap.files.tables import ROW, refuse
from gridmap.registry import counties
from gridmap.store import projects as project_store

CATEGORIES = tuple(project_io.CATEGORY_NAMES)
STATUSES = tuple(project_io.STATUS_NAMES)
KINDS = tuple(project_pairings.KIND_NAMES)
INDUSTRY = vocab.INDUSTRY
#: Fields of the project form and the JSON write API (the import file's canonical columns).
FORM_FIELDS = tuple(project_io.ALIASES)
_PLACEMENT = {
    "unknown_village": "village code {village} is not a village of the current grid; check the "
    "code or import the grid first",
    "outside_county": "its location lies outside the county; check the coordinates (longitude "
    "and latitude swapped?) and the coordinate system (--crs)",
    "no_village": "its location lies in no village of the grid; add the village code (行政村编码)",
    "no_location": "has no location; fill 行政村编码 (village code), 经度/纬度 or 范围 (boundary)",
    "other_village": "its location lies in village {located}, not in village {village}; fix the "
    "coordinates or the village code",
}


@dataclass(frozen=True)
class Filters:
    """Which projects to list: a year, category, status and unit (code prefix), all optional."""

    year: int | None = None
    category: str | None = None
    status: str | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        if self.category is not None and self.category not in CATEGORIES:
            raise BadInput(f"category must be one of {', '.join(CATEGORIES)}")
        if self.status is not None and self.status not in STATUSES:
            raise BadInput(f"status must be one of {', '.join(STATUSES)}")


def village_prefixes(scope: Scope, unit: str | None = None) -> list[str] | None:
    """Village-code prefixes to query: the scope narrowed to `unit`, groups widened to villages.

    Projects and pairings belong to villages, so a worker, whose scope is a few villager
    groups, sees those of the groups' villages. None means every village.
    """
    prefixes = scope.narrow(unit)
    if prefixes is None:
        return None
    return sorted({vocab.unit_at(p, vocab.VILLAGE) for p in prefixes})


def import_projects(
    conn: psycopg.Connection, path: Path, crs_name: str | None = None, *,
    max_unpacked_mb: int = Config.upload_max_unpacked_mb, mixed_counties: bool = False,
    scope: Scope = EVERYTHING,
) -> dict:  # fmt: skip
    """Import a project file in one transaction; existing codes get the columns the file has.

    Returns {"file", "rows", "counties", "created", "updated", "unchanged", "located"}, the
    counties those of the projects' villages. Raises BadInput, writing nothing, when any row is
    wrong, lies outside the county or names an unknown village, when the villages span several
    counties without `mixed_counties`, or when the file would unpack to more than
    `max_unpacked_mb` MB; raises Forbidden when a village lies in a county outside `scope`.
    """
    table = project_io.read_projects(path, crs_name, max_unpacked_mb=max_unpacked_mb)
    return _write_projects(conn, table, path.name, mixed_counties, scope)


def _write_projects(
    conn: psycopg.Connection, table: project_io.Projects, source: str, mixed: bool = False,
    scope: Scope = EVERYTHING,
) -> dict:  # fmt: skip
    with conn.transaction():
        project_store.stage_projects(conn, table.rows, table.geoms)
        # The villages the file names say their county before placement, which cannot find a
        # village of a county the account does not see.
        named = counties.of_staged(conn, project_store.STAGED, "village_code")
        counties.one_county(source, named.items(), mixed=True, scope=scope)
        refuse(source, [_placement(*p) for p in project_store.placement_problems(conn)])
        # Placed, every staged project has its village: given, under its site or stored.
        placed = counties.of_staged(conn, project_store.STAGED, "village_code")
        found = counties.one_county(source, placed.items(), mixed=mixed, scope=scope)
        try:
            created, updated = project_store.upsert_projects(conn, table.supplied)
        except psycopg.errors.CheckViolation as exc:
            # Only possible when a file updates some columns and the stored ones disagree.
            reason = exc.diag.message_primary
            raise BadInput(
                f"{source}: the new values contradict what is stored for a project ({reason}); "
                "include the status, date and asset columns in the file"
            ) from None
    rows = len(table.rows)
    return {
        "file": source, "rows": rows, "counties": found, "created": created,
        "updated": updated, "unchanged": rows - created - updated,
        "located": int(table.geoms.notna().sum()),
    }  # fmt: skip


def _placement(row: int, code: str, problem: str, village: str | None, located: object) -> str:
    detail = _PLACEMENT[problem].format(village=village, located=located or "-")
    return f"row {row} (project {code}): {detail}"


def save_project(conn: psycopg.Connection, actor: Actor, fields: Mapping[str, object]) -> dict:
    """Create or replace one project from form or JSON fields, checked like an import row."""
    unknown = sorted(set(fields) - set(FORM_FIELDS) - {"csrf_token"})
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(unknown)}; use {', '.join(FORM_FIELDS)}")
    cells = {name: _cell(fields.get(name)) for name in FORM_FIELDS}
    frame = pd.DataFrame({**{k: [v] for k, v in cells.items()}, ROW: [1]})
    code = cells["code"]
    try:
        table = project_io.parse_projects(frame, "the form")
        with audit.audited(conn, actor, "project.save", code or None):
            report = _write_projects(conn, table, "the form", scope=actor.scope)
    except BadInput as exc:
        # One row: the details need no row number.
        details = [re.sub(r"^rows? \d+ \([^)]*\): ", "", d) for d in exc.details]
        message = "the project was not saved; correct the fields listed and save again"
        raise BadInput(message, details=details or [exc.message]) from None
    return {"code": code, "created": bool(report["created"]), "updated": bool(report["updated"])}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def list_projects(conn: psycopg.Connection, scope: Scope, filters: Filters) -> list[dict]:
    """Projects in scope matching the filters, funds as floats, by code."""
    rows = project_store.project_rows(
        conn, village_prefixes(scope, filters.unit), year=filters.year,
        category=filters.category, status=filters.status,
    )  # fmt: skip
    return [_plain(r) for r in rows]


def _plain(row: Mapping) -> dict:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def projects_geojson(conn: psycopg.Connection, scope: Scope, filters: Filters) -> dict:
    """Projects in scope as GeoJSON; those without a site sit at their village's label point."""
    features = []
    for row in list_projects(conn, scope, filters):
        geometry = row.pop("geometry")
        for key in ("lon", "lat"):
            row.pop(key)
        features.append({"type": "Feature", "geometry": geometry, "properties": row})
    return {"type": "FeatureCollection", "features": features}


def project_detail(conn: psycopg.Connection, scope: Scope, code: str) -> dict:
    """One project in scope; NotFound when unknown or outside the scope (the same answer)."""
    rows = project_store.project_rows(conn, village_prefixes(scope), code=code[:40])
    if not rows:
        raise NotFound(f"no project {code[:40]}")
    return _plain(rows[0])


def form_values(conn: psycopg.Connection, scope: Scope, code: str) -> dict[str, str]:
    """A stored project as the form's text fields; a drawn site becomes WKT."""
    found = project_detail(conn, scope, code)
    values = {k: "" if found.get(k) is None else str(found[k]) for k in FORM_FIELDS}
    values["village"] = str(found["village_code"])
    values["asset_registered"] = "yes" if found["asset_registered"] else "no"
    values["lon"] = values["lat"] = ""  # the stored lon/lat only mark where a site is drawn
    if found["located"] and found["geometry_type"] == "POINT":
        values["lon"], values["lat"] = repr(found["lon"]), repr(found["lat"])
    elif found["located"]:
        values["wkt"] = shapely.geometry.shape(found["geometry"]).wkt
    return values


def summarise(rows: Sequence[Mapping]) -> dict:
    """The report of a set of projects: counts, funds, shares, unregistered assets, townships.

    Shares of funds are of all funds; started_share counts started or completed projects,
    unregistered_assets the completed projects without asset registration.
    """
    funds = [Decimal(str(r["funds_total"])) for r in rows]
    total = sum(funds, Decimal(0))
    by_category = {}
    for category in CATEGORIES:
        mine = [f for r, f in zip(rows, funds, strict=True) if r["category"] == category]
        amount = sum(mine, Decimal(0))
        by_category[category] = {
            "count": len(mine), "funds_wan": float(amount), "share": _ratio(amount, total),
        }  # fmt: skip
    statuses = [r["status"] for r in rows]
    townships: dict[str, list[Decimal]] = {}
    for r, f in zip(rows, funds, strict=True):
        townships.setdefault(vocab.unit_at(str(r["village_code"]), vocab.TOWNSHIP), []).append(f)
    return {
        "projects": len(rows),
        "funds_wan": float(total),
        "by_category": by_category,
        "industry_share": by_category[INDUSTRY]["share"],
        "started_share": _ratio(sum(s in ("started", "completed") for s in statuses), len(rows)),
        "completed_share": _ratio(statuses.count("completed"), len(rows)),
        "unregistered_assets": sum(
            r["status"] == "completed" and not r["asset_registered"] for r in rows
        ),
        "by_township": [
            {"code": code, "projects": len(f), "funds_wan": float(sum(f, Decimal(0)))}
            for code, f in sorted(townships.items())
        ],
    }


def _ratio(part: Decimal | int, whole: Decimal | int) -> float:
    return float(Decimal(part) / Decimal(whole)) if whole else 0.0


def project_report(conn: psycopg.Connection, scope: Scope, year: int | None = None) -> dict:
    """The report (see `summarise`) of the projects in scope, of one year or all."""
    return summarise(project_store.project_rows(conn, village_prefixes(scope), year=year))


def unit_names(conn: psycopg.Connection, codes: Sequence[str]) -> dict[str, str]:
    """Names of current units by code."""
    return project_store.unit_names(conn, codes)


def import_pairings(
    conn: psycopg.Connection, path: Path, *, max_unpacked_mb: int = Config.upload_max_unpacked_mb,
    mixed_counties: bool = False, scope: Scope = EVERYTHING,
) -> dict:  # fmt: skip
    """Import enterprise and leader pairings with villages in one transaction (upsert).

    Returns {"file", "rows", "counties", "created", "updated", "unchanged", "enterprise",
    "leader"}. Raises BadInput, writing nothing, when a row is wrong or names an unknown
    village, when the villages span several counties without `mixed_counties`, or when the
    file would unpack to more than `max_unpacked_mb` MB; raises Forbidden when a village lies
    in a county outside `scope`.
    """
    table = project_pairings.read_pairings(path, max_unpacked_mb=max_unpacked_mb)
    villages = zip(table.rows[ROW], table.rows["village_code"], strict=True)
    found = counties.one_county(
        path.name, counties.of_units(villages), mixed=mixed_counties, scope=scope
    )
    with conn.transaction():
        project_store.stage_pairings(conn, table.rows)
        refuse(
            path.name,
            [
                f"row {row}: village code {code} is not a village of the current grid; "
                "check the code or import the grid first"
                for row, code in project_store.unknown_pairing_villages(conn)
            ],
        )
        created, updated = project_store.upsert_pairings(conn)
    rows = len(table.rows)
    kinds = table.rows["kind"].tolist()
    return {
        "file": path.name, "rows": rows, "counties": found, "created": created,
        "updated": updated, "unchanged": rows - created - updated,
        **{k: kinds.count(k) for k in KINDS},
    }  # fmt: skip


def unit_pairings(conn: psycopg.Connection, scope: Scope, code: str) -> dict:
    """The pairings of villages in a unit (a group shows its village's) within the scope."""
    if not vocab.is_unit_code(code):
        raise NotFound(f"no unit {code[:40]}")
    pairings = project_store.pairing_rows(conn, village_prefixes(scope, code))
    kinds = [p["kind"] for p in pairings]
    return {
        "unit": code,
        "name": project_store.unit_names(conn, [code]).get(code),
        "counts": {k: kinds.count(k) for k in KINDS},
        "pairings": pairings,
    }


def all_pairings(conn: psycopg.Connection, scope: Scope, unit: str | None = None) -> list[dict]:
    """Every pairing in scope (under `unit` when given), by village."""
    return project_store.pairing_rows(conn, village_prefixes(scope, unit))


def projects_export(conn: psycopg.Connection, actor: Actor, filters: Filters) -> bytes:
    """The project list and report in the actor's scope as a spreadsheet, audited."""
    rows = list_projects(conn, actor.scope, filters)
    report = summarise(rows)
    names = unit_names(conn, [t["code"] for t in report["by_township"]])
    body = project_exports.projects_workbook(rows, report, names)
    detail = {"year": filters.year, "rows": len(rows)}
    with conn.transaction():
        audit.record_export(conn, actor, "export.projects_xlsx", filters.unit, detail)
    return body


def pairings_export(conn: psycopg.Connection, actor: Actor, unit: str | None = None) -> bytes:
    """The pairings in the actor's scope (under `unit`) as a spreadsheet, audited."""
    rows = all_pairings(conn, actor.scope, unit)
    with conn.transaction():
        audit.record_export(conn, actor, "export.pairings_xlsx", unit, {"rows": len(rows)})
    return project_exports.pairings_workbook(rows)
