"""The vocabulary is defined once (gridmap/core/vocab.py) and agrees with the database."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from gridmap.core import vocab
from gridmap.files import households as household_io
from gridmap.files import monitoring as monitoring_io
from gridmap.files import people as people_io
from gridmap.files import project_pairings, projects
from gridmap.maps import text

PACKAGE = Path(__file__).resolve().parents[1] / "gridmap"
VOCAB_FILE = PACKAGE / "core" / "vocab.py"


def check_constraints(conn, table: str) -> list[str]:
    """The CHECK constraints of `table` as PostgreSQL writes them back."""
    rows = conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'c'",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def listed_values(conn, table: str, column: str) -> list[str]:
    """The values one CHECK of `table` allows in `column` (`IN (...)` or `<@ ARRAY[...]`)."""
    pattern = re.compile(rf"\(?\b{column}\b\)? (= ANY|<@) \(?ARRAY\[(.*?)\]")
    found = [m for d in check_constraints(conn, table) if (m := pattern.search(d))]
    assert len(found) == 1, f"expected one list constraint on {table}.{column}, got {found}"
    return re.findall(r"'([^']*)'::text", found[0].group(2))


def accepted_lengths(conn, table: str, column: str) -> set[int]:
    """The lengths of digit strings that every CHECK of `table` on only `column` accepts."""
    own = [
        d.removeprefix("CHECK ")
        for d in check_constraints(conn, table)
        if column in d and not re.search(r"\b(level|parent_code|role|valid_to|county_code)\b", d)
    ]
    assert own, f"no constraint on {table}.{column}"
    accepted = set()
    for n in range(1, 21):
        checks = " AND ".join(f"({d})" for d in own)
        query = f"SELECT {checks} FROM (VALUES (repeat('1', %s))) AS t({column})"  # noqa: S608
        if conn.execute(query, [n]).fetchone()[0]:
            accepted.add(n)
    return accepted


@pytest.mark.parametrize(
    ("table", "column", "values"),
    [
        ("account", "role", vocab.ROLES),
        ("household", "category", vocab.HOUSEHOLD_CATEGORIES),
        ("household", "status", vocab.HOUSEHOLD_STATUSES),
        ("worker", "status", vocab.WORKER_STATUSES),
        ("visit", "kind", vocab.VISIT_KINDS),
        ("monitoring", "kind", vocab.MONITOR_KINDS),
        ("monitoring", "found_by", vocab.FOUND_BY),
        ("campaign", "categories", vocab.HOUSEHOLD_CATEGORIES),
        ("project", "category", vocab.PROJECT_CATEGORIES),
        ("project", "status", vocab.PROJECT_STATUSES),
        ("pairing", "kind", vocab.PAIRING_KINDS),
        ("inspection_stop", "kind", vocab.STOP_KINDS),
    ],
)
def test_database_lists_exactly_the_vocabulary(conn, table, column, values):
    assert sorted(listed_values(conn, table, column)) == sorted(values)


@pytest.mark.parametrize(
    ("table", "column", "lengths"),
    [
        ("unit_version", "code", set(vocab.CODE_LENGTHS)),
        ("worker_group", "group_code", {vocab.CODE_LENGTH[vocab.GROUP]}),
        ("account", "township_code", {vocab.CODE_LENGTH[vocab.TOWNSHIP]}),
        ("project", "village_code", {vocab.CODE_LENGTH[vocab.VILLAGE]}),
        ("pairing", "village_code", {vocab.CODE_LENGTH[vocab.VILLAGE]}),
        ("inspection_stop", "township", {vocab.CODE_LENGTH[vocab.TOWNSHIP]}),
    ],
)
def test_database_code_lengths_are_the_vocabulary(conn, table, column, lengths):
    assert accepted_lengths(conn, table, column) == lengths


def test_database_level_of_a_code_is_the_vocabulary(conn):
    (rule,) = [d for d in check_constraints(conn, "unit_version") if "length(code)" in d]
    query = f"SELECT {rule.removeprefix('CHECK ')} FROM (VALUES (%s, %s)) AS t(code, level)"  # noqa: S608
    for level in vocab.LEVELS:
        code = "1" * vocab.CODE_LENGTH[level]
        assert conn.execute(query, [code, level]).fetchone()[0], level
        assert vocab.level_of(code) == level


def test_database_parent_is_the_code_prefix(conn):
    (rule,) = [d for d in check_constraints(conn, "unit_version") if "parent_code ||" in d]
    query = f"SELECT {rule.removeprefix('CHECK ')} FROM (VALUES (%s, %s)) AS t(code, parent_code)"  # noqa: S608
    for level in vocab.LEVELS[1:]:
        code = "123456789012345"[: vocab.CODE_LENGTH[level]]
        parent = vocab.parent_of(code)
        assert parent is not None and conn.execute(query, [code, parent]).fetchone()[0]
        assert vocab.level_of(parent) == level - 1
    assert vocab.parent_of("341890") is None


def test_levels_and_codes():
    assert vocab.CODE_LENGTHS == (6, 9, 12, 15)
    assert [vocab.level_of("1" * n) for n in (6, 9, 12, 15, 7)] == [1, 2, 3, 4, None]
    assert vocab.parent_of("341890100200001") == "341890100200"
    assert vocab.ancestors_and_self("341890100") == ["341890", "341890100"]
    assert vocab.unit_at("341890100200001", vocab.TOWNSHIP) == "341890100"
    assert vocab.is_unit_code("341890100") and not vocab.is_unit_code("34189010")
    assert vocab.codes_phrase() == "6, 9, 12 or 15"


#: What each role may do today; tests/test_access.py and the navigation tests hold it too.
EXPECTED_ROLES = {
    vocab.SEE_COUNTY: {"admin", "reviewer", "inspector", "city", "province"},
    vocab.SEE_PERSONAL: {"admin"},
    vocab.EDIT_GRID: {"admin"},
    vocab.EDIT_PROJECTS: {"admin"},
    vocab.IMPORT: {"admin"},
    vocab.MANAGE_USERS: {"admin"},
    vocab.READ_AUDIT: {"admin"},
    vocab.PLAN_INSPECTIONS: {"admin", "inspector"},
    vocab.CREATE_CAMPAIGNS: {"admin", "reviewer", "city", "province"},
    vocab.FOLLOW_CAMPAIGNS: {"admin", "reviewer", "city", "province", "township"},
    vocab.REVIEW_VISITS: {"admin", "reviewer", "city", "province"},
    vocab.READ_MONITORING: {"admin", "reviewer", "city", "province", "township"},
    vocab.RECORD_VISITS: {"admin", "inspector", "township", "worker"},
}


def test_role_capabilities():
    assert set(EXPECTED_ROLES) == set(vocab.CAPABILITIES)
    for capability, roles in EXPECTED_ROLES.items():
        assert set(vocab.roles_that(capability)) == roles, capability
    assert not vocab.may("nobody", vocab.SEE_COUNTY)


def test_words_follow_the_vocabulary():
    assert tuple(text.COVERAGE_STATUS_TEXT) == vocab.COVERAGE_STATUSES
    assert tuple(text.VISIT_STATUS_TEXT) == vocab.VISIT_STATUSES
    assert tuple(text.CATEGORY_TEXT) == vocab.HOUSEHOLD_CATEGORIES
    assert tuple(text.WORKER_STATUS_TEXT) == vocab.WORKER_STATUSES
    assert tuple(text.PROJECT_CATEGORY_TEXT) == vocab.PROJECT_CATEGORIES
    assert tuple(text.PROJECT_STATUS_TEXT) == vocab.PROJECT_STATUSES
    assert tuple(text.PAIRING_KIND_TEXT) == vocab.PAIRING_KINDS
    assert tuple(text.LEVEL_TEXT) == tuple(str(level) for level in vocab.LEVELS)


def test_file_words_map_onto_the_vocabulary():
    assert set(household_io.CATEGORIES.values()) == set(vocab.HOUSEHOLD_CATEGORIES)
    assert set(household_io.MONITOR_KINDS.values()) == set(vocab.MONITOR_KINDS)
    assert set(household_io.STATUSES.values()) <= set(vocab.HOUSEHOLD_STATUSES)
    assert set(people_io.VISIT_KINDS.values()) == set(vocab.VISIT_KINDS)
    assert set(monitoring_io.FOUND_BY.values()) == set(vocab.FOUND_BY)
    assert tuple(projects.CATEGORY_NAMES) == vocab.PROJECT_CATEGORIES
    assert tuple(projects.STATUS_NAMES) == vocab.PROJECT_STATUSES
    assert tuple(project_pairings.KIND_NAMES) == vocab.PAIRING_KINDS


def _literal_collections(tree: ast.AST):
    """Every tuple, list or set literal and every dict literal's keys and values."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            yield node, node.elts
        elif isinstance(node, ast.Dict):
            yield node, [k for k in node.keys if k is not None]
            yield node, node.values


def _constants(elements: list[ast.expr]) -> list[object] | None:
    """The constant values of `elements`, or None when any is not a constant."""
    if not elements or not all(isinstance(e, ast.Constant) for e in elements):
        return None
    return [e.value for e in elements]  # type: ignore[attr-defined]


def _vocabulary_literals(path: Path) -> list[str]:
    """Code-length lists, role lists and comparisons of a role with a role name in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    lengths, roles = set(vocab.CODE_LENGTHS), set(vocab.ROLES)
    for node, elements in _literal_collections(tree):
        values = _constants(elements)
        if values is None:
            continue
        if len({v for v in values if isinstance(v, int)} & lengths) >= 3:
            found.append(f"{path}:{node.lineno} code lengths {values}")
        if all(isinstance(v, str) and v in roles for v in values):
            found.append(f"{path}:{node.lineno} roles {values}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = any("role" in ast.unparse(s) for s in sides)
            if named and any(isinstance(s, ast.Constant) and s.value in roles for s in sides):
                found.append(f"{path}:{node.lineno} role compared with a name")
    return found


def test_code_lengths_and_roles_are_defined_only_in_vocab():
    found = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != VOCAB_FILE
        for hit in _vocabulary_literals(path)
    ]
    assert found == []
    assert _vocabulary_literals(VOCAB_FILE), "the scan must recognise vocab.py's own definitions"
