"""Assistance contacts and their links to households over time (one contact at a time)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import psycopg

from gridmap.store.households import upsert_staged
from gridmap.store.staging import stage_frame

_CONTACT_COLUMNS = [
    ("file_row", "integer"), ("code", "text PRIMARY KEY"), ("name", "text"),
    ("organisation", "text"), ("phone", "text"),
]  # fmt: skip
_PAIRING_COLUMNS = [
    ("file_row", "integer"), ("contact_code", "text"), ("household_code", "text"),
    ("since", "date"), ("until", "date"),
]  # fmt: skip


def stage_contacts(conn: psycopg.Connection, rows: pd.DataFrame, pairings: pd.DataFrame) -> None:
    """Stage checked contacts and their pairings (since None: the row only ends a link)."""
    stage_frame(conn, "incoming_contact", _CONTACT_COLUMNS, rows)
    stage_frame(conn, "incoming_pairing", _PAIRING_COLUMNS, pairings)


# A contact works in the county of the households the file gives it; a known contact keeps
# its county; one named with no household belongs to the only (or first) county on record.
_CONTACT_COUNTIES = """
ALTER TABLE incoming_contact ADD COLUMN county_code text;
UPDATE incoming_contact c SET county_code = coalesce(
    (SELECT min(h.county_code) FROM incoming_pairing p JOIN household h ON h.code = p.household_code
     WHERE p.contact_code = c.code),
    (SELECT min(k.county_code) FROM contact k WHERE k.code = c.code),
    (SELECT min(u.county_code) FROM unit_version u WHERE u.valid_to IS NULL))
"""


def contacts_across_counties(conn: psycopg.Connection) -> list[tuple[int, str, list[tuple]]]:
    """(first row, contact, [(county, [household codes])]) of each staged contact whose
    households lie in several counties, by row."""
    rows = conn.execute(
        "SELECT DISTINCT p.contact_code, h.county_code, p.household_code, "
        "min(p.file_row) OVER (PARTITION BY p.contact_code) "
        "FROM incoming_pairing p JOIN household h ON h.code = p.household_code "
        "WHERE p.contact_code IN (SELECT q.contact_code FROM incoming_pairing q "
        "  JOIN household k ON k.code = q.household_code GROUP BY q.contact_code "
        "  HAVING count(DISTINCT k.county_code) > 1) "
        "ORDER BY 4, 1, 2, 3"
    ).fetchall()
    found: dict[tuple[int, str], dict[str, list[str]]] = {}
    for contact, county, household, row in rows:
        found.setdefault((row, contact), {}).setdefault(county, []).append(household)
    return [(row, contact, list(by_county.items())) for (row, contact), by_county in found.items()]


def upsert_contacts(conn: psycopg.Connection, supplied: Sequence[str]) -> tuple[int, int]:
    """Write the staged contacts by county and code; existing ones get only the `supplied`
    columns."""
    conn.execute(_CONTACT_COUNTIES)
    columns = [n for n, _ in _CONTACT_COLUMNS[2:]]
    updatable = [c for c in columns if c in supplied]
    return upsert_staged(conn, "contact", "incoming_contact", "code", columns, updatable)


def endings_without_link(conn: psycopg.Connection) -> list[tuple]:
    """(row, contact, household, until) of end-only rows naming no link started before `until`."""
    return conn.execute(
        "SELECT p.file_row, p.contact_code, p.household_code, p.until FROM incoming_pairing p "
        "WHERE p.since IS NULL AND NOT EXISTS (SELECT 1 FROM contact_household l "
        "WHERE l.contact_code = p.contact_code AND l.household_code = p.household_code "
        "AND l.since < p.until) ORDER BY p.file_row"
    ).fetchall()


def end_links(conn: psycopg.Connection) -> int:
    """End the links the end-only rows name (the link open on the day before); return how many."""
    return conn.execute(
        "UPDATE contact_household l SET until = p.until, recorded_at = now() "
        "FROM incoming_pairing p WHERE p.since IS NULL "
        "AND l.contact_code = p.contact_code AND l.household_code = p.household_code "
        "AND l.since < p.until AND (l.until IS NULL OR l.until > p.until)"
    ).rowcount


# A staged start continues a link of the same contact that covers its date (re-imports, or a
# file restating a contact); every other start is a new link. Each household's links, old
# and new, then end no later than the next one starts.
_PLAN = """
CREATE TEMP TABLE pairing_plan ON COMMIT DROP AS
WITH fresh AS (
    SELECT DISTINCT ON (p.contact_code, p.household_code, p.since)
           p.file_row, p.contact_code, p.household_code, p.since, p.until
    FROM incoming_pairing p
    WHERE p.since IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM contact_household l
        WHERE l.contact_code = p.contact_code AND l.household_code = p.household_code
          AND l.since <= p.since AND (l.until IS NULL OR l.until > p.since))
    ORDER BY p.contact_code, p.household_code, p.since, p.file_row
),
everything AS (
    SELECT f.file_row, f.contact_code, f.household_code, f.since, f.until, true AS new
    FROM fresh f
    UNION ALL
    SELECT NULL, l.contact_code, l.household_code, l.since, l.until, false
    FROM contact_household l WHERE l.household_code IN (SELECT household_code FROM fresh)
)
SELECT e.*, lead(e.since) OVER w AS next_since, lead(e.file_row) OVER w AS next_row,
       lead(e.contact_code) OVER w AS next_contact,
       CASE WHEN e.until IS NULL OR e.until > lead(e.since) OVER w THEN lead(e.since) OVER w
            ELSE e.until END AS ends
FROM everything e
WINDOW w AS (PARTITION BY e.household_code ORDER BY e.since, e.new)
"""


def plan_links(conn: psycopg.Connection) -> list[tuple]:
    """Plan the new links; return (row, household, contact, other contact, day) of clashes.

    A clash is two contacts of one household starting on the same day.
    """
    conn.execute("DROP TABLE IF EXISTS pairing_plan")
    conn.execute(_PLAN)
    return conn.execute(
        "SELECT coalesce(file_row, next_row), household_code, contact_code, next_contact, since "
        "FROM pairing_plan WHERE next_since = since AND (new OR next_row IS NOT NULL) "
        "ORDER BY 1, 2"
    ).fetchall()


def write_planned_links(conn: psycopg.Connection) -> tuple[int, int]:
    """Close the old links the plan ends, then add the new ones; return (added, closed)."""
    closed = conn.execute(
        "UPDATE contact_household l SET until = p.ends, recorded_at = now() "
        "FROM pairing_plan p WHERE NOT p.new "
        "AND l.contact_code = p.contact_code AND l.household_code = p.household_code "
        "AND l.since = p.since AND l.until IS DISTINCT FROM p.ends"
    ).rowcount
    added = conn.execute(
        "INSERT INTO contact_household (county_code, contact_code, household_code, since, until) "
        "SELECT h.county_code, p.contact_code, p.household_code, p.since, p.ends "
        "FROM pairing_plan p JOIN household h ON h.code = p.household_code WHERE p.new "
        "ORDER BY p.household_code, p.since"
    ).rowcount
    return added, closed


def restated_endings(conn: psycopg.Connection) -> int:
    """Let start rows that continue a link end it where they give an end date; return how many."""
    return conn.execute(
        "UPDATE contact_household l SET until = p.until, recorded_at = now() "
        "FROM incoming_pairing p WHERE p.since IS NOT NULL AND p.until IS NOT NULL "
        "AND l.contact_code = p.contact_code AND l.household_code = p.household_code "
        "AND l.since <= p.since AND (l.until IS NULL OR l.until > p.until) "
        "AND l.since < p.until"
    ).rowcount


def contact_history(conn: psycopg.Connection, household: str) -> list[tuple]:
    """Every link of a household, oldest first: contact code, name, organisation, since, until."""
    return conn.execute(
        "SELECT c.code, c.name, c.organisation, l.since, l.until, l.recorded_at "
        "FROM contact_household l "
        "JOIN contact c ON c.county_code = l.county_code AND c.code = l.contact_code "
        "WHERE l.household_code = %s ORDER BY l.since, c.code",
        [household],
    ).fetchall()
