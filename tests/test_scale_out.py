"""The migrated schema keeps to docs/scale-out.md: every table placed once, and every
distributed table keyed and joined by county_code as Citus requires."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "scale-out.md"
KINDS = ("distributed", "reference", "coordinator")
DISTRIBUTION_COLUMN = "county_code"


def placement_block(text: str) -> str:
    """The body of the document's ```tables block."""
    match = re.search(r"^```tables\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert match, f"{DOC} has no ```tables block"
    return match.group(1)


def parse_placements(block: str) -> dict[str, list[str]]:
    """`kind: a, b,` lines (continued on indented lines) as {kind: [tables]}."""
    placements: dict[str, list[str]] = {}
    kind = None
    for line in block.splitlines():
        head, sep, rest = line.partition(":")
        if sep and not line[:1].isspace():
            kind = head.strip()
            assert kind in KINDS, f"unknown placement {kind!r} in {DOC}"
            assert kind not in placements, f"{kind} listed twice in {DOC}"
            placements[kind] = []
        else:
            rest = line
        assert kind is not None, f"table names before any placement in {DOC}: {line!r}"
        placements[kind] += [name.strip() for name in rest.split(",") if name.strip()]
    return placements


PLACEMENTS = parse_placements(placement_block(DOC.read_text(encoding="utf-8")))
DISTRIBUTED = PLACEMENTS.get("distributed", [])
REFERENCE = PLACEMENTS.get("reference", [])
COORDINATOR = PLACEMENTS.get("coordinator", [])


def is_bookkeeping(table: str) -> bool:
    """yoyo's own tables and PostGIS' spatial_ref_sys, which are no data of ours."""
    return table.startswith(("_yoyo_", "yoyo_")) or table == "spatial_ref_sys"


def public_tables(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('r', 'p') AND NOT relispartition"
    ).fetchall()
    return {name for (name,) in rows if not is_bookkeeping(name)}


def column(conn: psycopg.Connection, table: str, name: str) -> tuple | None:
    """(type, not null) of a column, or None."""
    return conn.execute(
        "SELECT format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
        "WHERE attrelid = to_regclass(%s) AND attname = %s AND attnum > 0 "
        "AND NOT attisdropped",
        [f"public.{table}", name],
    ).fetchone()


def constraints(conn: psycopg.Connection, table: str, kinds: str) -> list[tuple]:
    """(name, kind, key columns, referenced table, referenced columns, operators) of the
    table's constraints whose pg_constraint.contype is in `kinds`."""
    return conn.execute(
        "SELECT c.conname, c.contype, "
        "  ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
        "        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n "
        "        ORDER BY k.i), "
        "  c.confrelid::regclass::text, "
        "  ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) "
        "        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n "
        "        ORDER BY k.i), "
        "  ARRAY(SELECT o.oprname::text FROM unnest(c.conexclop) WITH ORDINALITY x(op, i) "
        "        JOIN pg_operator o ON o.oid = x.op ORDER BY x.i) "
        "FROM pg_constraint c WHERE c.conrelid = to_regclass(%s) "
        "AND c.contype = ANY(%s) ORDER BY c.conname",
        [f"public.{table}", list(kinds)],
    ).fetchall()


def partitions(conn: psycopg.Connection, table: str) -> list[str]:
    """The partitions of a partitioned table (none for a plain one)."""
    rows = conn.execute(
        "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = to_regclass(%s) "
        "ORDER BY 1",
        [f"public.{table}"],
    ).fetchall()
    return [name for (name,) in rows]


def identifying_constraints(conn: psycopg.Connection, table: str) -> list[tuple]:
    """The table's primary, unique and exclusion constraints, with its partitions' exclusion
    constraints: PostgreSQL before 17 puts those on each partition, never on the table."""
    found = constraints(conn, table, "pux")
    for partition in partitions(conn, table):
        found += constraints(conn, partition, "x")
    return found


def unique_indexes(conn: psycopg.Connection, table: str) -> list[tuple[str, list]]:
    """(name, key columns) of every unique index, partial ones included; an expression
    key is None."""
    rows = conn.execute(
        "SELECT i.indexrelid::regclass::text, "
        "  ARRAY(SELECT a.attname::text FROM unnest(i.indkey[0:i.indnkeyatts - 1]) "
        "        WITH ORDINALITY k(n, p) "
        "        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n "
        "        ORDER BY k.p) "
        "FROM pg_index i WHERE i.indrelid = to_regclass(%s) AND i.indisunique "
        "ORDER BY 1",
        [f"public.{table}"],
    ).fetchall()
    return [(name, list(keys)) for name, keys in rows]


def sequence_columns(conn: psycopg.Connection, table: str) -> list[tuple]:
    """(name, type) of the columns filled from a sequence: serial defaults and identities."""
    return conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
        "AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%')",
        [f"public.{table}"],
    ).fetchall()


@pytest.fixture
def county_conn(conn):
    """The test's connection, with one county's partitions made (undone with the test)."""
    conn.execute("SELECT gridmap_add_county('999999')")
    return conn


def test_document_places_each_table_once():
    listed = DISTRIBUTED + REFERENCE + COORDINATOR
    duplicates = sorted({t for t in listed if listed.count(t) > 1})
    assert DISTRIBUTED, "no distributed tables in the document"
    assert not duplicates, f"placed more than once in {DOC.name}: {duplicates}"


def test_every_table_is_placed(conn):
    tables = public_tables(conn)
    listed = set(DISTRIBUTED + REFERENCE + COORDINATOR)
    assert not tables - listed, f"tables missing from {DOC.name}: {sorted(tables - listed)}"
    assert not listed - tables, (
        f"{DOC.name} lists tables that do not exist: {sorted(listed - tables)}"
    )


@pytest.mark.parametrize("table", DISTRIBUTED)
def test_distributed_table_has_county_code(conn, table):
    found = column(conn, table, DISTRIBUTION_COLUMN)
    assert found is not None, f"{table} has no {DISTRIBUTION_COLUMN}"
    assert found == ("text", True), f"{table}.{DISTRIBUTION_COLUMN} is {found}, not text NOT NULL"


@pytest.mark.parametrize("table", DISTRIBUTED)
def test_keys_include_county_code(county_conn, table):
    conn = county_conn
    for name, kind, keys, _, _, operators in identifying_constraints(conn, table):
        assert DISTRIBUTION_COLUMN in keys, f"{table}: {name} ({kind}) lacks {DISTRIBUTION_COLUMN}"
        if kind == "x":
            operator = operators[keys.index(DISTRIBUTION_COLUMN)]
            assert operator == "=", (
                f"{table}: {name} compares {DISTRIBUTION_COLUMN} with {operator}"
            )
    for name, keys in unique_indexes(conn, table):
        assert DISTRIBUTION_COLUMN in keys, f"{table}: unique index {name} lacks county_code"


@pytest.mark.parametrize("table", DISTRIBUTED)
def test_rows_are_identified_within_their_county(county_conn, table):
    conn = county_conn
    identifying = identifying_constraints(conn, table)
    has_primary_key = any(kind == "p" for _, kind, *_ in identifying)
    keyed_by_county = any(DISTRIBUTION_COLUMN in keys for _, _, keys, *_ in identifying)
    assert has_primary_key or keyed_by_county, (
        f"{table} has no primary key and no unique or exclusion constraint on county_code"
    )


@pytest.mark.parametrize("table", DISTRIBUTED)
def test_foreign_keys_are_colocated(conn, table):
    for name, _, keys, target, target_keys, _ in constraints(conn, table, "f"):
        assert target in DISTRIBUTED + REFERENCE, (
            f"{table}: {name} references {target}, neither distributed nor reference"
        )
        if target in DISTRIBUTED:
            assert DISTRIBUTION_COLUMN in keys and DISTRIBUTION_COLUMN in target_keys, (
                f"{table}: {name} ({keys} -> {target} {target_keys}) lacks county_code"
            )
            assert keys.index(DISTRIBUTION_COLUMN) == target_keys.index(DISTRIBUTION_COLUMN), (
                f"{table}: {name} ({keys} -> {target} {target_keys}) pairs county_code "
                "with another column"
            )


@pytest.mark.parametrize("table", REFERENCE + COORDINATOR)
def test_shared_table_has_no_foreign_key_into_county_data(conn, table):
    for name, _, _, target, _, _ in constraints(conn, table, "f"):
        assert target not in DISTRIBUTED, f"{table}: {name} references distributed {target}"


@pytest.mark.parametrize("table", DISTRIBUTED)
def test_sequence_ids_are_bigint(conn, table):
    narrow = [(name, kind) for name, kind in sequence_columns(conn, table) if kind != "bigint"]
    assert not narrow, f"{table}: sequence-filled columns that are not bigint: {narrow}"
