"""Upgrading a database of version 1 (tests/data/schema-v1.sql) with `gridmap db up`.

Every table of version 1 must survive every later migration with the same rows, named by
their natural keys; each migration runs in one transaction, so one that fails leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from yoyo import read_migrations

from gridmap import PROJECT_ROOT
from gridmap.core import localdb, schema
from gridmap.core.config import Config
from tests.conftest import _copy_database

DUMP = Path(__file__).resolve().parent / "data" / "schema-v1.sql"
#: The dump is never regenerated (see tests/data/README.md).
DUMP_SHA256 = "e1fc29b3f7719def5881e0eea03b317947c9ad3e2e3901667690e7572cbb0ebf"
GRIDMAP = PROJECT_ROOT / ".venv" / "bin" / "gridmap"
MIGRATIONS_DIR = Config().migrations_dir

#: The migrations the dump was made with: together they are version 1 of the schema.
V1_MIGRATIONS = [
    "0001.grid-foundation",
    "0002.contacts-visits",
    "0003.unit-gaps",
    "0004.tiles",
    "0005.household-lookups",
    "0006.accounts-audit",
    "0007.edit-history",
    "0008.visits-campaigns-monitoring",
    "0009.projects-pairings",
    "0010.inspection-plans",
    "0011.inspection-visits",
]
#: yoyo's own bookkeeping; checked apart from the project's tables.
YOYO_TABLES = {"_yoyo_log", "_yoyo_migration", "_yoyo_version", "yoyo_lock"}
#: Tables whose primary key is a generated id: the columns that name one of their rows.
#: Every other table of version 1 is named by its primary key.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "edit": ("kind", "at"),
    "unit_version": ("code", "valid_from"),
    "visit": ("household_code", "visited_at", "visitor_code"),
    "audit": ("at", "username", "action", "target"),
    "campaign": ("name", "starts_on", "ends_on"),
    "monitoring": ("household_code", "identified_on"),
    "pairing": ("kind", "partner", "village_code"),
    "inspection_plan": ("name", "created_at"),
}
#: The tables the dump creates (the postgis extension brings spatial_ref_sys itself).
V1_TABLES = sorted(
    set(re.findall(r"^CREATE TABLE public\.(\w+) \(", DUMP.read_text("utf-8"), re.M)) - YOYO_TABLES
)
V1_DB = "upgrade_v1"
UPGRADED_DB = "upgrade_v1_upgraded"


@dataclass(frozen=True)
class TableState:
    count: int
    columns: tuple[str, ...]
    keys: frozenset[tuple]


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL's client as the cluster's `postgres` user when we are root, as localdb does."""
    return ["runuser", "-u", "postgres", "--", *args] if localdb.running_as_root() else args


def _gridmap(url: str, var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run the installed `gridmap` command against the database at `url`."""
    return subprocess.run(
        [str(GRIDMAP), *args],
        env={
            "PATH": "/usr/bin:/bin",
            "GRIDMAP_DATABASE_URL": url,
            "GRIDMAP_VAR_DIR": str(var_dir),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _user_tables(conn: psycopg.Connection) -> set[str]:
    """The tables in schema public, less those of extensions (postgis' spatial_ref_sys)."""
    rows = conn.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND d.deptype = 'e')
        """
    ).fetchall()
    return {name for (name,) in rows}


def _primary_key(conn: psycopg.Connection, table: str) -> list[tuple[str, bool]]:
    """(column, filled by a sequence or identity) for each primary key column, in order."""
    return conn.execute(
        """
        SELECT a.attname,
               a.attidentity <> '' OR coalesce(starts_with(pg_get_expr(d.adbin, d.adrelid),
                                                           'nextval('), false)
        FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE i.indrelid = %s::regclass AND i.indisprimary
        ORDER BY array_position(i.indkey::int2[], a.attnum)
        """,
        [f"public.{table}"],
    ).fetchall()


def _key_columns(conn: psycopg.Connection, table: str) -> tuple[str, ...]:
    if table in NATURAL_KEYS:
        return NATURAL_KEYS[table]
    return tuple(column for column, _ in _primary_key(conn, table))


def _table_state(
    conn: psycopg.Connection, table: str, columns: tuple[str, ...] | None = None
) -> TableState:
    """The row count and the set of keys (the table's own key, or `columns`) of `table`."""
    (count,) = conn.execute(
        sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(table))
    ).fetchone()
    columns = columns or _key_columns(conn, table)
    keys = conn.execute(
        sql.SQL("SELECT {} FROM public.{}").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table)
        )
    ).fetchall()
    return TableState(count=count, columns=columns, keys=frozenset(keys))


def _snapshot(url: str) -> dict[str, TableState]:
    with psycopg.connect(url) as conn:
        return {table: _table_state(conn, table) for table in V1_TABLES}


def _applied_migrations(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {mid for (mid,) in conn.execute("SELECT migration_id FROM _yoyo_migration")}


@pytest.fixture(scope="module")
def v1_url(pg_cluster: localdb.Cluster) -> str:
    """An empty database with the version 1 dump loaded by psql, as an operator would."""
    url = _copy_database(pg_cluster, V1_DB, template="template1")
    psql = [str(localdb.pg_bindir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    with DUMP.open("rb") as dump:
        result = subprocess.run(
            _as_postgres([*psql, "--single-transaction", "-o", "/dev/null", "-d", url]),
            stdin=dump,
            capture_output=True,
            check=False,
            timeout=300,
        )
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, stderr
    assert "ERROR" not in stderr, stderr
    return url


@pytest.fixture(scope="module")
def v1_state(v1_url: str) -> dict[str, TableState]:
    return _snapshot(v1_url)


@pytest.fixture(scope="module")
def upgrade(
    pg_cluster: localdb.Cluster, v1_url: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, subprocess.CompletedProcess]:
    """A copy of the version 1 database after `gridmap db up`, and that command's result."""
    url = _copy_database(pg_cluster, UPGRADED_DB, template=V1_DB)
    return url, _gridmap(url, tmp_path_factory.mktemp("var"), "db", "up")


@pytest.fixture(scope="module")
def upgraded_url(upgrade: tuple[str, subprocess.CompletedProcess]) -> str:
    url, result = upgrade
    assert result.returncode == 0, result.stderr
    return url


def test_the_dump_is_the_recorded_one():
    assert hashlib.sha256(DUMP.read_bytes()).hexdigest() == DUMP_SHA256


def test_the_dump_is_a_database_of_version_1(v1_url: str, v1_state: dict[str, TableState]):
    assert _applied_migrations(v1_url) == set(V1_MIGRATIONS)
    with psycopg.connect(v1_url) as conn:
        assert _user_tables(conn) - YOYO_TABLES == set(V1_TABLES)
        assert conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    assert v1_state["household"].count == 500
    assert v1_state["unit_version"].count > 2000
    assert all(v1_state[t].count > 0 for t in ("visit", "worker", "project", "account"))


@pytest.mark.parametrize("table", V1_TABLES)
def test_each_row_of_version_1_has_a_natural_key(
    v1_url: str, v1_state: dict[str, TableState], table: str
):
    with psycopg.connect(v1_url) as conn:
        primary_key = _primary_key(conn, table)
    assert primary_key, f"{table} has no primary key"
    generated = any(is_generated for _, is_generated in primary_key)
    # A generated id names no row across databases; such a table needs its natural key here.
    assert generated == (table in NATURAL_KEYS)
    state = v1_state[table]
    assert len(state.keys) == state.count, f"the key of {table} repeats"


def test_db_up_applies_every_pending_migration(upgrade, v1_url: str, tmp_path: Path):
    url, result = upgrade
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == url
    current = {m.id for m in read_migrations(str(MIGRATIONS_DIR))}
    assert set(V1_MIGRATIONS) <= current
    assert schema.pending_migrations(url, MIGRATIONS_DIR) == []
    assert _applied_migrations(url) == current
    assert set(schema.pending_migrations(v1_url, MIGRATIONS_DIR)) == current - set(V1_MIGRATIONS)

    status = _gridmap(url, tmp_path / "var", "db", "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == {
        "embedded": False, "running": True, "url": url, "data_dir": None,
    }  # fmt: skip
    again = _gridmap(url, tmp_path / "var", "db", "up")
    assert again.returncode == 0, again.stderr
    assert _applied_migrations(url) == current


#: Tables a migration rebuilds from the data rather than keeps: the change stamps, once one
#: row for the database, are one row per county since the county became the tenant.
REBUILT_TABLES = {"change_stamp"}


@pytest.mark.parametrize("table", sorted(set(V1_TABLES) - REBUILT_TABLES))
def test_table_of_version_1_keeps_its_rows(
    upgraded_url: str, v1_state: dict[str, TableState], table: str
):
    before = v1_state[table]
    with psycopg.connect(upgraded_url) as conn:
        assert table in _user_tables(conn), f"the upgrade dropped {table}"
        # Rows are found by their version-1 key: later keys also name the county.
        after = _table_state(conn, table, before.columns)
    assert after.count == before.count
    assert after.keys == before.keys


def test_the_upgrade_keeps_a_change_stamp_per_county(upgraded_url: str):
    with psycopg.connect(upgraded_url) as conn:
        stamps = conn.execute("SELECT county_code FROM change_stamp ORDER BY 1").fetchall()
        counties = conn.execute("SELECT DISTINCT county_code FROM household ORDER BY 1").fetchall()
    assert stamps == counties != []


def _migration_paths() -> list[Path]:
    return sorted(p for p in MIGRATIONS_DIR.iterdir() if p.suffix in {".sql", ".py"})


@pytest.mark.parametrize("path", _migration_paths(), ids=lambda p: p.name)
def test_migration_runs_in_one_transaction(path: Path):
    text = path.read_text("utf-8")
    assert not re.search(r"^\s*--\s*transactional\s*:\s*false", text, re.I | re.M)
    assert not re.search(r"__transactional__\s*=\s*False", text)
    if path.name.endswith(".rollback.sql"):
        return
    (migration,) = [m for m in read_migrations(str(MIGRATIONS_DIR)) if m.path == str(path)]
    migration.load()
    assert migration.use_transactions is True


BROKEN_MIGRATION = "9999.upgrade-probe"
#: Statements a broken migration runs before the one that fails: new tables, a new column,
#: rows written and removed.
BROKEN_PREFIX = """\
-- A migration that fails at its last statement.

CREATE TABLE upgrade_probe_first (id integer PRIMARY KEY);
INSERT INTO upgrade_probe_first VALUES (1), (2);
CREATE TABLE upgrade_probe_second (county_code text, code text, PRIMARY KEY (county_code, code),
    FOREIGN KEY (county_code, code) REFERENCES household (county_code, code));
INSERT INTO upgrade_probe_second SELECT county_code, code FROM household;
ALTER TABLE household ADD COLUMN upgrade_probe text;
DELETE FROM worker_group;
UPDATE household SET category = 'ordinary';
"""


@pytest.mark.parametrize(
    ("failing", "message"),
    [
        ("SELECT 1 / 0;", "division by zero"),
        (
            "ALTER TABLE household ADD CONSTRAINT upgrade_probe_none CHECK (code IS NULL);",
            'check constraint "upgrade_probe_none"',
        ),
        (
            "CREATE UNIQUE INDEX upgrade_probe_unique ON visit (county_code, household_code);",
            "could not create unique index",
        ),
    ],
    ids=["error", "check-constraint", "unique-index"],
)
def test_a_failing_migration_leaves_nothing_behind(
    pg_cluster: localdb.Cluster,
    upgraded_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    failing: str,
    message: str,
):
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    (migrations / f"{BROKEN_MIGRATION}.sql").write_text(BROKEN_PREFIX + failing + "\n")
    name = "upgrade_broken_" + request.node.callspec.id.replace("-", "_")
    url = _copy_database(pg_cluster, name, template=UPGRADED_DB)
    before = _snapshot(url)

    result = _gridmap(url, tmp_path / "var", "db", "up", GRIDMAP_MIGRATIONS_DIR=str(migrations))

    assert result.returncode != 0
    assert message in result.stderr
    with psycopg.connect(url) as conn:
        for probe in ("upgrade_probe_first", "upgrade_probe_second"):
            assert conn.execute("SELECT to_regclass(%s)", [probe]).fetchone() == (None,)
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = 'household'"
        ).fetchall()
        assert ("upgrade_probe",) not in columns
        (categories,) = conn.execute("SELECT count(DISTINCT category) FROM household").fetchone()
    assert categories > 1
    assert _snapshot(url) == before
    assert schema.pending_migrations(url, migrations) == [BROKEN_MIGRATION]
    assert BROKEN_MIGRATION not in _applied_migrations(url)
