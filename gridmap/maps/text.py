"""The words the map pages show, as English msgids; the web layer translates them per request."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark `message` for extraction (pybabel's N_ keyword) without translating it here."""
    return message


#: Coverage statuses, worst first: the order of the legend and of report columns.
COVERAGE_STATUS_TEXT: dict[str, str] = {
    "outside_grid": N_("Outside the grid"),
    "no_worker": N_("No grid worker"),
    "no_contact": N_("No assistance contact"),
    "overdue": N_("Visit overdue"),
    "covered": N_("Covered"),
}

VISIT_STATUS_TEXT: dict[str, str] = {
    "never": N_("Never visited"),
    "overdue": N_("Overdue"),
    "due_soon": N_("Due soon"),
    "visited": N_("Visited"),
}

CATEGORY_TEXT: dict[str, str] = {
    "lifted": N_("Lifted out of poverty"),
    "monitored": N_("Monitored"),
    "ordinary": N_("Ordinary"),
}

WORKER_STATUS_TEXT: dict[str, str] = {
    "active": N_("Active"),
    "inactive": N_("Inactive"),
    "left": N_("Left"),
}

LEVEL_TEXT: dict[str, str] = {
    "1": N_("County"),
    "2": N_("Township"),
    "3": N_("Village"),
    "4": N_("Villager group"),
}

#: Everything else the map's scripts show, by key.
MAP_TEXT: dict[str, str] = {
    "title": N_("Grid map"),
    "layer_units": N_("Grid boundaries"),
    "layer_labels": N_("Unit names"),
    "layer_households": N_("Households"),
    "layer_gaps": N_("Gaps in the grid"),
    "layer_outside": N_("Households outside the grid"),
    "layer_workers": N_("Grid workers' homes"),
    "load_error": N_("Grid data could not be loaded. Reload the page to try again."),
    "empty": N_("No grid units have been imported yet."),
    "colour_by": N_("Colour households by"),
    "coverage_status": N_("Coverage status"),
    "visit_status": N_("Visit status"),
    "legend": N_("Legend"),
    "whole_county": N_("Whole county"),
    "township_filter": N_("Township"),
    "search_placeholder": N_("Find a unit by code or name"),
    "search": N_("Search"),
    "no_match": N_("No unit matches."),
    "close": N_("Close"),
    "parent_unit": N_("Parent unit"),
    "open_unit_page": N_("Open the unit's page"),
    "show_township_only": N_("Show this township only"),
    "edit_boundary": N_("Edit boundary"),
    "unit_history": N_("History"),
    "households": N_("Number of households"),
    "monitored": N_("Monitored households"),
    "workers_active": N_("Active grid workers"),
    "load_per_worker": N_("Households per worker"),
    "uncovered_share": N_("Uncovered share"),
    "visit_rate": N_("Visit rate"),
    "gap_area": N_("Gap area"),
    "household": N_("Household"),
    "unit": N_("Unit"),
    "category": N_("Category"),
    "monitor_kind": N_("Monitoring kind"),
    "risk_eliminated": N_("Risk eliminated"),
    "last_visit_on": N_("Last visit"),
    "head_name": N_("Head of household"),
    "members": N_("Members"),
    "id_number": N_("ID number"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "declared_group": N_("Declared group"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "worker": N_("Grid worker"),
    "status": N_("Status"),
    "birth_year": N_("Birth year"),
    "capacity": N_("Capacity"),
    "load": N_("Households served"),
    "groups": N_("Groups served"),
    "gap": N_("Gap in the grid"),
    "zoom_for_points": N_("Zoom in to see single households."),
    "zoom_for_workers": N_("Zoom in to a township to see grid workers."),
    "truncated": N_("Only the first {n} households are shown."),
    "circle_size": N_("Circle size: households in the unit"),
    "loading": N_("Loading…"),
    "code": N_("Code"),
    "layer_projects": N_("Funded projects"),
    "pairings": N_("Pairings"),
    "no_pairings": N_("No pairings."),
    "more_pairings": N_("… and {n} more on the unit's page."),
    "pairings_xlsx": N_("Export the pairings"),
    "doubtful_visit": N_("Doubtful check-in"),
    "doubtful_visits": N_("Visits resting on a doubtful check-in"),
    "last_checkin": N_("Check-in of the last visit"),
    "doubtful_checkin": N_("Doubtful: far from the household, awaiting review"),
    "monitoring": N_("Monitoring"),
    "monitoring_period": N_("This year so far: {start} to {end}"),
    "monitoring_identified": N_("Identified this year"),
    "monitoring_eliminated": N_("Risk eliminated this year"),
    "monitoring_at_risk": N_("Still at risk"),
    "monitoring_page": N_("Open the monitoring page"),
    "groups_without_worker": N_("Groups without an active worker"),
    "no_groups_without_worker": N_("Every group has an active worker."),
    "contacts": N_("Assistance contacts"),
    "no_contacts": N_("No contacts."),
    "contact_current": N_("Current contact"),
    "contact_earlier": N_("Earlier contact"),
    "contact_since": N_("since {since}"),
    "contact_period": N_("{since} to {until}"),
    "choose_county": N_("Choose a county to see its grid."),
}

#: Funded projects: categories and statuses as the projects layer and page name them.
PROJECT_CATEGORY_TEXT: dict[str, str] = {
    "industry": N_("Industry development"),
    "infrastructure": N_("Infrastructure"),
    "employment": N_("Employment support"),
    "public_jobs": N_("Public welfare jobs"),
    "other": N_("Other"),
}

PROJECT_STATUS_TEXT: dict[str, str] = {
    "approved": N_("Approved"),
    "started": N_("Started"),
    "completed": N_("Completed"),
}

#: Words of the projects layer's popups and filter control (static/js/projects.js), by key.
PROJECT_LAYER_TEXT: dict[str, str] = {
    "year": N_("Year"), "category": N_("Category"), "status": N_("Status"), "all": N_("All"),
    "funds": N_("Funds (10,000 yuan)"), "central": N_("Central"), "provincial": N_("Provincial"),
    "city": N_("City"), "county": N_("County level"), "progress": N_("Progress"),
    "village": N_("Village"), "asset": N_("Asset registered"), "yes": N_("Yes"), "no": N_("No"),
    "approved_on": N_("Approved on"), "started_on": N_("Started on"),
    "completed_on": N_("Completed on"), "code": N_("Code"),
    "no_site": N_("No site yet: shown at its village"), "shown": N_("Projects shown"),
    "error": N_("Projects could not be loaded. Reload the page to try again."),
}  # fmt: skip

#: Who is paired with a village: an enterprise, or a county leader's contact village.
PAIRING_KIND_TEXT: dict[str, str] = {
    "enterprise": N_("Paired enterprise"),
    "leader": N_("County leader's contact"),
}


def all_texts() -> dict[str, dict[str, str]]:
    """Every group of map words by name, untranslated."""
    return {
        "text": MAP_TEXT,
        "coverage": COVERAGE_STATUS_TEXT,
        "visit": VISIT_STATUS_TEXT,
        "category": CATEGORY_TEXT,
        "worker": WORKER_STATUS_TEXT,
        "level": LEVEL_TEXT,
        "project_category": PROJECT_CATEGORY_TEXT,
        "project_status": PROJECT_STATUS_TEXT,
        "project_text": PROJECT_LAYER_TEXT,
        "pairing_kind": PAIRING_KIND_TEXT,
    }
