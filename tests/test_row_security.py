"""Row-level security, the second lock behind the store's scoping: the web app's roles see
and write only the counties (and, for township and worker accounts, the units) of the
request's scope, and nothing at all before a scope is set (migrations/0016.row-security.sql)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import geopandas as gpd
import psycopg
import pytest
from psycopg import sql

from gridmap.core import localdb
from gridmap.core.config import Config
from gridmap.core.db import enter_scope, set_scope, web_role
from gridmap.web import create_app
from tests.conftest import _copy_database
from tests.grid_fixtures import tiny_county, tiny_county_as
from tests.household_fixtures import (
    Household,
    add_contact,
    add_grid,
    add_households,
    add_visit,
    add_worker,
    lonlat_m,
)
from tests.web_fixtures import add_account, logged_in

CONFIG = Config()
WEB_ROLES = (CONFIG.web_db_role, CONFIG.web_db_local_role)
COUNTY_A, COUNTY_B = "341890", "341891"
#: County B is the tiny county again under its own code, 20 km east of county A.
SHIFT_M = 20_000.0
TOWNSHIP_A1, TOWNSHIP_A2 = f"{COUNTY_A}100", f"{COUNTY_A}101"
GROUP_A1 = f"{TOWNSHIP_A1}200001"
#: Households and the group each lands in: two per township of county A, two in county B.
HOUSEHOLDS = {
    "HA1": GROUP_A1,
    "HA2": f"{TOWNSHIP_A1}201002",
    "HA3": f"{TOWNSHIP_A2}200001",
    "HA4": f"{TOWNSHIP_A2}201002",
    "HB1": f"{COUNTY_B}100200001",
    "HB2": f"{COUNTY_B}101200001",
}
#: Every table holding a county's data (migration 0015); each must be locked.
COUNTY_TABLES = (
    "unit_version", "edit", "code_mapping", "unit_gap", "household", "household_period",
    "monitoring", "visit", "worker", "worker_group", "worker_group_period",
    "worker_status_period", "contact", "contact_household", "campaign", "project", "pairing",
    "inspection_plan", "inspection_route", "inspection_stop", "change_stamp",
)  # fmt: skip
#: County tables the fixture fills in both counties.
FILLED = (
    "unit_version", "edit", "unit_gap", "household", "household_period", "monitoring", "visit",
    "worker", "worker_group", "worker_group_period", "worker_status_period", "contact",
    "contact_household", "change_stamp",
)  # fmt: skip
#: Tables whose rows belong to a household: a township sees only its households' rows.
HOUSEHOLD_ROWS = {
    "household": "code",
    "household_period": "household_code",
    "visit": "household_code",
    "monitoring": "household_code",
    "contact_household": "household_code",
}
UNSET = object()


def county_b() -> gpd.GeoDataFrame:
    """The tiny county's units under county 341891, 20 km east of county A."""
    return tiny_county_as(COUNTY_B, SHIFT_M, lambda _code, name: f"乙{name}")


@pytest.fixture(scope="module")
def two_counties(seeded_template, tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """Counties A and B with households, a worker, a contact, monitoring and visits in each,
    and a township and a worker account of county A; the template's name."""
    folder = tmp_path_factory.mktemp("two-counties")

    def seed(conn: psycopg.Connection) -> None:
        tiny_county().to_file(folder / "a.geojson")
        county_b().to_file(folder / "b.geojson")
        add_grid(conn, folder / "a.geojson")
        add_households(conn, [
            Household("HA1", (500, 500)), Household("HA2", (2500, 2500)),
            Household("HA3", (4500, 500), category="monitored"), Household("HA4", (6500, 3000)),
        ])  # fmt: skip
        add_worker(conn, "WA1", [GROUP_A1])
        add_contact(conn, "CA1", "HA3", date(2024, 1, 1))
        add_visit(conn, "HA1", date(2024, 3, 1))
        add_visit(conn, "HA3", date(2024, 3, 2))
        add_grid(conn, folder / "b.geojson")
        add_households(conn, [
            Household("HB1", (SHIFT_M + 500, 500), category="monitored"),
            Household("HB2", (SHIFT_M + 4500, 500)),
        ])  # fmt: skip
        add_worker(conn, "WB1", [HOUSEHOLDS["HB1"]])
        add_contact(conn, "CB1", "HB1", date(2024, 1, 1))
        add_visit(conn, "HB1", date(2024, 3, 1))
        add_account(conn, "township", "township", township=TOWNSHIP_A1)
        add_account(conn, "worker", "worker", worker="WA1")
        conn.commit()

    return seeded_template(seed)


@pytest.fixture(scope="module")
def read_url(pg_cluster: localdb.Cluster, two_counties: str) -> str:
    """A copy of the two counties that the reading tests share."""
    return _copy_database(pg_cluster, "rls_reads", two_counties)


@pytest.fixture
def write_url(two_counties: str, copy_of: Callable[[str], str]) -> str:
    """A copy of the two counties for one test that writes."""
    return copy_of(two_counties)


@contextmanager
def as_web_role(url: str, prefixes: object) -> Iterator[psycopg.Connection]:
    """An autocommit connection switched to the web role for `prefixes` (None: everything)
    with their scope, as the web app switches at the start of a request."""
    with psycopg.connect(url, autocommit=True) as conn:
        enter_scope(conn, CONFIG, prefixes)  # type: ignore[arg-type]
        yield conn


@contextmanager
def as_role(url: str, role: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection switched to `role` with no scope set at all."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        yield conn


def rows(conn: psycopg.Connection, table: str, column: str = "county_code") -> list[str]:
    """The `column` of every row of `table` that `conn` sees."""
    query = sql.SQL("SELECT {} FROM {}").format(sql.Identifier(column), sql.Identifier(table))
    return [r[0] for r in conn.execute(query)]


def owner_rows(url: str, table: str, column: str = "county_code") -> list[str]:
    """The `column` of every row of `table`, read as the owner (no policy applies)."""
    with psycopg.connect(url) as conn:
        return rows(conn, table, column)


def household_units(url: str) -> dict[str, str]:
    """Each household's unit, read as the owner."""
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT code, unit_code FROM household").fetchall())  # type: ignore[arg-type]


def test_the_fixture_lands_households_in_their_groups(read_url):
    assert household_units(read_url) == HOUSEHOLDS


@pytest.mark.parametrize("role", WEB_ROLES)
def test_the_web_roles_are_neither_owner_nor_superuser(read_url, role):
    with psycopg.connect(read_url) as conn:
        found = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        ).fetchone()
        owned = conn.execute(
            "SELECT tablename FROM pg_tables WHERE tableowner = %s", [role]
        ).fetchall()
        # Neither takes the other's policies by membership.
        members = conn.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
            "WHERE r.rolname = %s",
            [role],
        ).fetchone()
    assert found == (False, False, False, False, False)
    assert owned == []
    assert members == (0,)


@pytest.mark.parametrize(
    ("prefixes", "role"),
    [
        (None, CONFIG.web_db_role),
        ((), CONFIG.web_db_role),
        ((COUNTY_A, COUNTY_B), CONFIG.web_db_role),
        (("3418",), CONFIG.web_db_role),
        ((TOWNSHIP_A1,), CONFIG.web_db_local_role),
        ((GROUP_A1, f"{TOWNSHIP_A1}201002"), CONFIG.web_db_local_role),
    ],
)
def test_accounts_narrower_than_a_county_get_the_local_role(prefixes, role):
    assert web_role(CONFIG, prefixes) == role


@pytest.mark.parametrize("role", WEB_ROLES)
@pytest.mark.parametrize("table", COUNTY_TABLES)
def test_each_county_table_is_locked_for_each_web_role(read_url, table, role):
    with psycopg.connect(read_url) as conn:
        locked = conn.execute(
            "SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass(%s)", [table]
        ).fetchone()
        policies = conn.execute(
            "SELECT count(*) FROM pg_policies WHERE schemaname = 'public' AND tablename = %s "
            "AND %s = ANY(roles)",
            [table, role],
        ).fetchone()
        readable = conn.execute(
            "SELECT has_table_privilege(%s, %s, 'SELECT')", [role, table]
        ).fetchone()
    assert locked == (True,)
    assert policies == (1,)
    assert readable == (True,)


def test_every_table_with_a_county_code_is_locked(read_url):
    # A table added later with county data needs row security and a policy per web role.
    with psycopg.connect(read_url) as conn:
        tables = {
            name: (locked, roles)
            for name, locked, roles in conn.execute(
                "SELECT c.relname, c.relrowsecurity, "
                "  ARRAY(SELECT DISTINCT unnest(p.roles)::text FROM pg_policies p "
                "        WHERE p.schemaname = 'public' AND p.tablename = c.relname ORDER BY 1) "
                "FROM pg_class c "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'county_code' "
                "AND NOT a.attisdropped "
                "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
                "AND NOT c.relispartition"
            )
        }
    assert set(COUNTY_TABLES) <= set(tables)
    unlocked = {t: v for t, v in tables.items() if v != (True, sorted(WEB_ROLES))}
    assert unlocked == {}


@pytest.mark.parametrize("role", WEB_ROLES)
def test_the_web_roles_cannot_read_a_partition_past_its_table_policies(read_url, role):
    # A partition has no policies of its own: read directly, it would show every row.
    with psycopg.connect(read_url) as conn:
        partitions = conn.execute(
            "SELECT c.relname, has_table_privilege(%s, c.oid, 'SELECT'), "
            "has_table_privilege(%s, c.oid, 'INSERT') FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relispartition ORDER BY 1",
            [role, role],
        ).fetchall()
    assert {name for name, *_ in partitions} >= {f"household_{COUNTY_A}", f"visit_{COUNTY_B}"}
    assert [name for name, reads, writes in partitions if reads or writes] == []


@pytest.mark.parametrize("role", WEB_ROLES)
@pytest.mark.parametrize("table", FILLED)
def test_without_a_scope_the_web_roles_see_nothing(read_url, table, role):
    assert owner_rows(read_url, table)
    with as_role(read_url, role) as conn:
        assert rows(conn, table) == []
        set_scope(conn, ())
        assert rows(conn, table) == []


@pytest.mark.parametrize("table", list(HOUSEHOLD_ROWS))
def test_the_county_role_given_a_township_sees_no_households(read_url, table):
    # A narrow scope belongs to the local role; under the other it fails closed.
    with as_role(read_url, CONFIG.web_db_role) as conn:
        set_scope(conn, (TOWNSHIP_A1,))
        assert rows(conn, table) == []


@pytest.mark.parametrize("table", FILLED)
@pytest.mark.parametrize("county", [COUNTY_A, COUNTY_B])
def test_a_county_scope_sees_only_that_county(read_url, table, county):
    expected = [c for c in owner_rows(read_url, table) if c == county]
    assert expected
    with as_web_role(read_url, (county,)) as conn:
        assert sorted(rows(conn, table)) == expected


@pytest.mark.parametrize("table", FILLED)
@pytest.mark.parametrize("prefixes", [None, (COUNTY_A, COUNTY_B), ("3418",)])
def test_every_county_or_a_city_prefix_sees_both(read_url, table, prefixes):
    with as_web_role(read_url, prefixes) as conn:
        assert sorted(rows(conn, table)) == sorted(owner_rows(read_url, table))


@pytest.mark.parametrize("table", list(HOUSEHOLD_ROWS))
@pytest.mark.parametrize("prefix", [TOWNSHIP_A1, TOWNSHIP_A2, GROUP_A1])
def test_a_township_or_group_scope_sees_only_its_households(read_url, table, prefix):
    column = HOUSEHOLD_ROWS[table]
    inside = {h for h, unit in HOUSEHOLDS.items() if unit.startswith(prefix)}
    expected = sorted(h for h in owner_rows(read_url, table, column) if h in inside)
    with as_web_role(read_url, (prefix,)) as conn:
        assert sorted(rows(conn, table, column)) == expected


@pytest.mark.parametrize("table", ["unit_version", "worker", "contact", "change_stamp"])
def test_a_township_scope_sees_its_county_rows_of_other_tables(read_url, table):
    with as_web_role(read_url, (TOWNSHIP_A1,)) as conn:
        assert set(rows(conn, table)) == {COUNTY_A}


def test_a_household_that_moved_away_stays_visible_as_it_stood(write_url):
    with psycopg.connect(write_url) as conn:
        conn.execute("SELECT set_config('gridmap.effective_on', '2024-06-01', true)")
        conn.execute("UPDATE household SET unit_code = %s WHERE code = 'HA1'", [HOUSEHOLDS["HA3"]])
        conn.commit()
    with as_web_role(write_url, (TOWNSHIP_A1,)) as conn:
        assert sorted(rows(conn, "household", "code")) == ["HA1", "HA2"]
        periods = conn.execute(
            "SELECT unit_code, upper(valid) FROM household_period WHERE household_code = 'HA1'"
        ).fetchall()
    assert periods == [(GROUP_A1, date(2024, 6, 1))]


@pytest.mark.parametrize(
    ("prefixes", "outside", "inside"),
    [((COUNTY_A,), "HB1", "HA2"), ((TOWNSHIP_A1,), "HA3", "HA2"), ((GROUP_A1,), "HA2", "HA1")],
    ids=["other-county", "other-township", "other-group"],
)
def test_writing_a_row_outside_the_scope_is_refused(write_url, prefixes, outside, inside):
    insert = (
        "INSERT INTO visit (county_code, household_code, visited_at, visitor_code) "
        "VALUES (%s, %s, now(), 'x')"
    )
    before = owner_rows(write_url, "visit", "household_code")
    with as_web_role(write_url, prefixes) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(insert, [HOUSEHOLDS[outside][:6], outside])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO campaign (county_code, name, starts_on, ends_on, created_by) "
                "VALUES (%s, 'x', '2024-01-01', '2024-02-01', 'x')",
                [COUNTY_B],
            )
        # The same write inside the scope goes through, and its change-stamp trigger with it.
        conn.execute(insert, [COUNTY_A, inside])
    assert sorted(owner_rows(write_url, "visit", "household_code")) == sorted([*before, inside])


def indexes_used(conn: psycopg.Connection, plan: object) -> set[str]:
    """The indexes a JSON plan scans, each partition's index named by its table's index."""
    names = set(re.findall(r"'Index Name': '([^']+)'", str(plan)))
    return {
        conn.execute(
            "SELECT coalesce((SELECT inhparent::regclass::text FROM pg_inherits "
            "WHERE inhrelid = to_regclass(%s)), %s)",
            [name, name],
        ).fetchone()[0]
        for name in names
    }


@pytest.mark.parametrize("prefixes", [(COUNTY_A,), (TOWNSHIP_A1,)])
def test_the_web_roles_keep_the_spatial_and_unit_indexes(read_url, prefixes):
    # Without the LEAKPROOF marks a policy would turn both into scans of every row.
    lon, lat = lonlat_m(500, 500)
    with as_web_role(read_url, prefixes) as conn:
        conn.execute("SET enable_seqscan = off")
        plans = [
            indexes_used(conn, conn.execute("EXPLAIN (FORMAT JSON) " + query, params).fetchone())
            for query, params in [
                (
                    "SELECT code FROM household "
                    "WHERE geom && ST_Expand(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 0.001)",
                    [lon, lat],
                ),
                ("SELECT household_code FROM monitoring", []),
            ]
        ]
    assert "household_geom" in plans[0]
    if prefixes == (TOWNSHIP_A1,):
        assert "household_period_unit" in plans[1]


def test_moving_a_household_out_of_a_county_scope_is_refused(write_url):
    with as_web_role(write_url, (COUNTY_A,)) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("UPDATE household SET county_code = %s WHERE code = 'HA1'", [COUNTY_B])


def test_the_web_roles_writes_go_through_the_history_and_stamp_triggers(write_url):
    with psycopg.connect(write_url) as conn:
        stamp = "SELECT counter FROM change_stamp WHERE county_code = %s"
        before = {c: conn.execute(stamp, [c]).fetchone() for c in (COUNTY_A, COUNTY_B)}
    with as_web_role(write_url, (TOWNSHIP_A1,)) as conn:
        with conn.transaction():
            conn.execute("SELECT set_config('gridmap.effective_on', '2024-06-01', true)")
            changed = conn.execute(
                "UPDATE household SET status = 'moved_away' WHERE unit_code LIKE %s",
                [TOWNSHIP_A1 + "%"],
            ).rowcount
    assert changed == 2
    with psycopg.connect(write_url) as conn:
        after = {c: conn.execute(stamp, [c]).fetchone() for c in (COUNTY_A, COUNTY_B)}
        opened = conn.execute(
            "SELECT household_code FROM household_period WHERE lower(valid) = '2024-06-01' "
            "AND status = 'moved_away' ORDER BY 1"
        ).fetchall()
    assert opened == [("HA1",), ("HA2",)]
    assert after[COUNTY_A][0] > before[COUNTY_A][0]  # type: ignore[index]
    assert after[COUNTY_B] == before[COUNTY_B]


@pytest.fixture
def app(write_url, tmp_path):  # type: ignore[no-untyped-def]
    """The web app on a copy of the two counties."""
    config = Config(
        database_url=write_url, var_dir=tmp_path / "var", secret_key="t",
        login_rate_limit="1000 per minute",
    )  # fmt: skip
    application = create_app(config)
    yield application
    application.extensions["gridmap_pool"].close()


def feature_codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The household codes of a GeoJSON answer."""
    assert response.status_code == 200, response.text
    return sorted(f["properties"]["code"] for f in response.json["features"])


def test_a_township_account_sees_and_records_its_data_through_the_app(app, write_url):
    client = logged_in(app, "township")
    assert feature_codes(client.get("/api/v1/households")) == ["HA1", "HA2"]
    listed = client.get("/api/v1/field/households").json["households"]
    assert sorted(h["code"] for h in listed) == ["HA1", "HA2"]
    page = client.get(f"/units/{TOWNSHIP_A1}")
    assert page.status_code == 200 and f"{TOWNSHIP_A1}200" in page.text
    lon, lat = lonlat_m(2500, 2500)
    recorded = client.post(
        "/api/v1/visits",
        json={"household": "HA2", "visitor": "WA1", "kind": "routine", "lon": lon, "lat": lat},
    )
    assert recorded.status_code == 201, recorded.json
    assert owner_rows(write_url, "visit", "household_code").count("HA2") == 1


def test_a_worker_account_sees_its_groups_households_through_the_app(app):
    client = logged_in(app, "worker")
    assert feature_codes(client.get("/api/v1/households")) == ["HA1"]


def test_the_apps_connections_return_to_the_web_role_without_a_scope(app):
    logged_in(app, "township").get("/api/v1/households")
    with app.extensions["gridmap_pool"].connection() as conn:
        state = conn.execute("SELECT current_user, current_setting('gridmap.scope', true)")
        assert state.fetchone() == (CONFIG.web_db_role, "")
        assert rows(conn, "household") == []


@pytest.mark.parametrize("prefixes", [("",), ("3418,90",), ("*",), ("34189%",)])
def test_a_scope_holds_digit_prefixes_only(read_url, prefixes: Sequence[str]):
    with as_role(read_url, CONFIG.web_db_role) as conn:
        with pytest.raises(ValueError, match="not a code prefix"):
            set_scope(conn, prefixes)
