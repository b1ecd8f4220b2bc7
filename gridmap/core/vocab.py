"""The fixed words of the domain: unit levels and codes, roles and what each may do, statuses,
kinds and categories, and the map's zoom rules. Every other module reads them from here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# --- units and their codes ------------------------------------------------------------------

COUNTY, TOWNSHIP, VILLAGE, GROUP = 1, 2, 3, 4
LEVELS = (COUNTY, TOWNSHIP, VILLAGE, GROUP)
LEVEL_NAMES: Mapping[int, str] = {
    COUNTY: "county", TOWNSHIP: "township", VILLAGE: "village", GROUP: "group",
}  # fmt: skip
#: Above the county: a city (市, level 0) and a province (省, level -1), each named by the first
#: digits of its counties' codes; their figures are the union of their counties.
CITY, PROVINCE = 0, -1
ROLL_UP_CODE_LENGTH: Mapping[int, int] = {CITY: 4, PROVINCE: 2}
ROLL_UP_NAMES: Mapping[int, str] = {CITY: "city", PROVINCE: "province"}
#: Digits a child adds to its parent's code.
CHILD_DIGITS = 3
CODE_LENGTH: Mapping[int, int] = {COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12, GROUP: 15}
CODE_LENGTHS = tuple(CODE_LENGTH[level] for level in LEVELS)
LEVEL_BY_CODE_LENGTH: Mapping[int, int] = {n: level for level, n in CODE_LENGTH.items()}


def is_unit_code(code: str) -> bool:
    """True for a string of digits as long as the code of some level."""
    return code.isdigit() and len(code) in LEVEL_BY_CODE_LENGTH


def level_of(code: str) -> int | None:
    """The level whose codes are as long as `code`, or None for any other length."""
    return LEVEL_BY_CODE_LENGTH.get(len(code))


def parent_of(code: str) -> str | None:
    """The parent unit's code (the code's prefix), or None for the county."""
    return code[:-CHILD_DIGITS] if len(code) > CODE_LENGTH[COUNTY] else None


def unit_at(code: str, level: int) -> str:
    """The code of the unit at `level` that contains `code` (the code itself when not deeper)."""
    return code[: CODE_LENGTH[level]]


def county_of(code: str) -> str:
    """The code of the county that `code` (a unit at any level from the county down) lies in."""
    return code[: CODE_LENGTH[COUNTY]]


def counties_of(codes: Iterable[str]) -> list[str]:
    """The counties of unit `codes`, each once, in order."""
    return sorted({county_of(code) for code in codes})


def ancestors_and_self(code: str) -> list[str]:
    """Codes of the unit and every unit above it (county first)."""
    return [code[:n] for n in CODE_LENGTHS if n <= len(code)]


def codes_phrase() -> str:
    """The code lengths in words for messages: '6, 9, 12 or 15'."""
    *most, last = (str(n) for n in CODE_LENGTHS)
    return f"{', '.join(most)} or {last}"


# --- roles and what each may do ---------------------------------------------------------------

ROLE_ADMIN, ROLE_REVIEWER, ROLE_INSPECTOR = "admin", "reviewer", "inspector"
#: City (市) and province (省) reviewers: reviewers of several counties.
ROLE_CITY, ROLE_PROVINCE = "city", "province"
ROLE_TOWNSHIP, ROLE_WORKER = "township", "worker"
ROLES = (
    ROLE_ADMIN, ROLE_REVIEWER, ROLE_INSPECTOR, ROLE_CITY, ROLE_PROVINCE, ROLE_TOWNSHIP,
    ROLE_WORKER,
)  # fmt: skip
#: Roles whose accounts are scoped to a set of counties (township and worker accounts are
#: scoped to their township or groups); the last two must name at least one county.
COUNTY_ROLES = (ROLE_ADMIN, ROLE_REVIEWER, ROLE_INSPECTOR, ROLE_CITY, ROLE_PROVINCE)
MULTI_COUNTY_ROLES = (ROLE_CITY, ROLE_PROVINCE)

SEE_COUNTY = "see_county"
SEE_PERSONAL = "see_personal"
EDIT_GRID = "edit_grid"
EDIT_PROJECTS = "edit_projects"
IMPORT = "import"
MANAGE_USERS = "manage_users"
READ_AUDIT = "read_audit"
PLAN_INSPECTIONS = "plan_inspections"
CREATE_CAMPAIGNS = "create_campaigns"
FOLLOW_CAMPAIGNS = "follow_campaigns"
REVIEW_VISITS = "review_visits"
READ_MONITORING = "read_monitoring"
RECORD_VISITS = "record_visits"
CAPABILITIES = (
    SEE_COUNTY, SEE_PERSONAL, EDIT_GRID, EDIT_PROJECTS, IMPORT, MANAGE_USERS, READ_AUDIT,
    PLAN_INSPECTIONS, CREATE_CAMPAIGNS, FOLLOW_CAMPAIGNS, REVIEW_VISITS, READ_MONITORING,
    RECORD_VISITS,
)  # fmt: skip

_REVIEWING = frozenset(
    {SEE_COUNTY, CREATE_CAMPAIGNS, FOLLOW_CAMPAIGNS, REVIEW_VISITS, READ_MONITORING}
)
#: What each role may do. SEE_COUNTY: read its counties whole (else the account's township or
#: groups); SEE_PERSONAL: full ID numbers and phones; PLAN_INSPECTIONS: see inspection plans
#: and record and see their visits while a plan is open.
ROLE_CAPABILITIES: Mapping[str, frozenset[str]] = {
    ROLE_ADMIN: frozenset(CAPABILITIES),
    ROLE_REVIEWER: _REVIEWING,
    ROLE_INSPECTOR: frozenset({SEE_COUNTY, PLAN_INSPECTIONS, RECORD_VISITS}),
    ROLE_CITY: _REVIEWING,
    ROLE_PROVINCE: _REVIEWING,
    ROLE_TOWNSHIP: frozenset({FOLLOW_CAMPAIGNS, READ_MONITORING, RECORD_VISITS}),
    ROLE_WORKER: frozenset({RECORD_VISITS}),
}


def may(role: str, capability: str) -> bool:
    """True when `role` has `capability` (an unknown role has none)."""
    return capability in ROLE_CAPABILITIES.get(role, frozenset())


def roles_that(capability: str) -> tuple[str, ...]:
    """The roles with `capability`, in the order of ROLES."""
    return tuple(role for role in ROLES if may(role, capability))


# --- households, workers, visits --------------------------------------------------------------

HOUSEHOLD_CATEGORIES = ("lifted", "monitored", "ordinary")
MONITORED = "monitored"
HOUSEHOLD_STATUSES = ("active", "moved_away", "deceased", "merged")
MONITOR_KINDS = ("unstable", "marginal", "sudden_hardship")
#: How a monitored household was found (发现方式).
FOUND_BY = ("self_report", "cadre_visit", "department_alert")
WORKER_STATUSES = ("active", "inactive", "left")
ACTIVE = "active"
VISIT_KINDS = ("routine", "campaign", "inspection")
ROUTINE_VISIT, INSPECTION_VISIT = "routine", "inspection"

#: Coverage statuses, worst first: the order of the legend and of report columns.
COVERAGE_STATUSES = ("outside_grid", "no_worker", "no_contact", "overdue", "covered")
#: Every coverage status but the last ("covered"): the problems a unit's counts can show.
COVERAGE_PROBLEMS = COVERAGE_STATUSES[:-1]
#: Visit statuses, most urgent first.
VISIT_STATUSES = ("never", "overdue", "due_soon", "visited")

# --- projects, pairings, inspections ----------------------------------------------------------

PROJECT_CATEGORIES = ("industry", "infrastructure", "employment", "public_jobs", "other")
INDUSTRY = "industry"
PROJECT_STATUSES = ("approved", "started", "completed")
PAIRING_KINDS = ("enterprise", "leader")
#: What an inspection stop is: a monitored household, a funded project or a unit.
STOP_KINDS = ("household", "project", "unit")

# --- the map's zoom rules ---------------------------------------------------------------------

#: From this zoom on, households are single points; below it, counts per unit.
POINT_MIN_ZOOM = 13
#: Below POINT_MIN_ZOOM, households are counted per group from this zoom on, per village below.
GROUP_COUNTS_MIN_ZOOM = 11
#: Village boundaries are drawn from this zoom on (townships and the county at every zoom).
VILLAGE_MIN_ZOOM = 9
#: Zoom rules as the map pages read them from their config.
ZOOMS: Mapping[str, int] = {
    "points": POINT_MIN_ZOOM, "level3": VILLAGE_MIN_ZOOM, "level4": GROUP_COUNTS_MIN_ZOOM,
}  # fmt: skip


def levels_drawn_at(zoom: int) -> list[int]:
    """The unit levels whose boundaries are drawn at `zoom`."""
    if zoom < VILLAGE_MIN_ZOOM:
        return [COUNTY, TOWNSHIP]
    if zoom < GROUP_COUNTS_MIN_ZOOM:
        return [COUNTY, TOWNSHIP, VILLAGE]
    return list(LEVELS)
