"""Accounts scoped to counties, and the choice of county on reports, lists and the map."""

from __future__ import annotations

import json
import re
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from gridmap.access import accounts, counties
from gridmap.access.accounts import EVERYTHING, Scope
from gridmap.cli import main
from gridmap.core.config import Config
from gridmap.core.errors import BadInput, NotFound
from gridmap.grid import assign
from gridmap.store import accounts as account_store
from gridmap.web import create_app
from tests.grid_fixtures import tiny_county_as
from tests.household_fixtures import Household, add_grid, add_households, add_worker, lonlat_m
from tests.web_fixtures import add_account, login

A, B, C = "341890", "341891", "341892"
NAMES = {A: "测试县", B: "第二县", C: "第三县"}
#: Where each county lies, in metres east of the tiny county (which is 8 km wide).
SHIFT_M = {B: 20_000, C: 40_000}
TOWNSHIP_A, TOWNSHIP_B = f"{A}100", f"{B}100"
#: Test accounts: role, township, worker, counties.
ACCOUNTS = {
    "city": ("city", None, None, [A, B]),
    "province": ("province", None, None, [A, B, C]),
    "reviewer_a": ("reviewer", None, None, [A]),
    "admin_b": ("admin", None, None, [B]),
    "township": ("township", TOWNSHIP_A, None, []),
    "worker": ("worker", None, "W1", []),
}


def write_county(code: str, folder: Path) -> Path:
    """The tiny county's grid under another county code, `SHIFT_M[code]` metres to the east."""
    path = folder / f"county-{code}.geojson"
    frame = tiny_county_as(
        code, SHIFT_M[code], lambda unit, name: NAMES[code] if unit == A else name
    )
    frame.to_file(path)
    return path


def seed_counties(conn: psycopg.Connection, tiny: Path, folder: Path) -> None:
    """Three counties with two households each (one in township 100, one in 101), worker W1."""
    add_grid(conn, tiny)
    for code in (B, C):
        add_grid(conn, write_county(code, folder))
    for code, dx in ((A, 0), (B, SHIFT_M[B]), (C, SHIFT_M[C])):
        add_households(
            conn,
            [Household(f"H{code}1", (dx + 500, 500)), Household(f"H{code}2", (dx + 4500, 500))],
        )
    add_worker(conn, "W1", [f"{A}100200001"])
    assign.assign_households(conn)
    for username, (role, township, worker, codes) in ACCOUNTS.items():
        add_account(conn, username, role, township, worker, counties=codes)
    conn.commit()


@pytest.fixture(scope="module")
def three_counties(seeded_template, pg_cluster, tiny_county_file, tmp_path_factory) -> str:
    """A database of three counties and the ACCOUNTS (read only)."""
    folder = tmp_path_factory.mktemp("counties")
    name = seeded_template(lambda conn: seed_counties(conn, tiny_county_file, folder))
    return pg_cluster.url(name)


@pytest.fixture(scope="module")
def app(three_counties, tmp_path_factory):  # type: ignore[no-untyped-def]
    config = Config(
        database_url=three_counties, var_dir=tmp_path_factory.mktemp("var"), secret_key="t",
        login_rate_limit="1000 per minute",
    )  # fmt: skip
    application = create_app(config)
    yield application
    application.extensions["gridmap_pool"].close()


@pytest.fixture(scope="module")
def clients(app):  # type: ignore[no-untyped-def]
    """A logged-in test client per account."""
    found = {}
    for username in ACCOUNTS:
        client = app.test_client()
        assert login(client, username).status_code == 302
        found[username] = client
    return found


@pytest.fixture
def db(three_counties):  # type: ignore[no-untyped-def]
    with psycopg.connect(three_counties) as conn:
        yield conn
        conn.rollback()


# --- accounts and their scopes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "prefixes"),
    [
        ("city", (A, B)),
        ("province", (A, B, C)),
        ("reviewer_a", (A,)),
        ("admin_b", (B,)),
        ("township", (TOWNSHIP_A,)),
        ("worker", (f"{A}100200001",)),
    ],
)
def test_scope_of_each_role(db, username, prefixes):
    account = account_store.get_account(db, username)
    assert accounts.scope_of(db, account) == Scope(prefixes)


def test_an_account_from_before_counties_keeps_the_whole_database(db):
    db.execute(
        "INSERT INTO account (username, password_hash, role) VALUES ('old', 'x', 'reviewer')"
    )
    assert accounts.scope_of(db, account_store.get_account(db, "old")) == EVERYTHING


def test_accounts_list_their_counties(db):
    listed = {a["username"]: a for a in accounts.list_accounts(db)}
    assert listed["city"]["county_codes"] == [A, B] and listed["city"]["counties"] == [A, B]
    assert listed["township"]["county_codes"] is None and listed["township"]["counties"] == [A]
    assert listed["worker"]["counties"] == [A]


@pytest.mark.parametrize(
    ("role", "given", "expected"),
    [
        ("city", [B, A, A], [A, B]),
        ("province", [C], [C]),
        ("reviewer", [A], [A]),
        ("admin", [A, C], [A, C]),
        ("inspector", [], "several counties"),
        ("city", [], "needs at least one --county"),
        ("reviewer", ["3418"], "6 digits"),
        ("township", [A], "leave out --county"),
    ],
)
def test_new_account_counties(db, role, given, expected):
    township = TOWNSHIP_A if role == "township" else None
    if isinstance(expected, str):
        with pytest.raises(BadInput, match=expected):
            add_account(db, "someone", role, township, counties=given)
        return
    add_account(db, "someone", role, township, counties=given)
    assert account_store.get_account(db, "someone")["county_codes"] == expected


def test_the_only_county_is_the_default(conn, tiny_county_file):
    add_grid(conn, tiny_county_file)
    add_account(conn, "clerk", "inspector")
    assert account_store.get_account(conn, "clerk")["county_codes"] == [A]


# --- the choice of county -----------------------------------------------------------------

CITY = Scope((A, B))


@pytest.mark.parametrize(
    ("scope", "asked", "within", "expected"),
    [
        (CITY, [A], None, Scope((A,))),
        (CITY, [B, A], None, Scope((B, A))),
        (CITY, ["all"], None, CITY),
        (CITY, [], TOWNSHIP_B, CITY),  # a unit says where it is
        (CITY, [], None, BadInput),
        (CITY, [C], None, NotFound),  # a county of the database, not the account's
        (CITY, ["999999"], None, NotFound),
        (CITY, ["34189"], None, BadInput),
        (Scope((A,)), [], None, Scope((A,))),  # one county needs no choice
        (Scope((TOWNSHIP_A,)), [], None, Scope((TOWNSHIP_A,))),
        (Scope((TOWNSHIP_A,)), [A], None, Scope((TOWNSHIP_A,))),
        (Scope((TOWNSHIP_A,)), [B], None, NotFound),
        (EVERYTHING, [], None, BadInput),  # the command line, three counties
        (EVERYTHING, [C], None, Scope((C,))),
        (EVERYTHING, ["all"], None, EVERYTHING),
        (EVERYTHING, [], TOWNSHIP_A, EVERYTHING),
    ],
)
def test_choose_a_county(db, scope, asked, within, expected):
    if isinstance(expected, type):
        with pytest.raises(expected):
            counties.choose(db, scope, asked, within=within)
        return
    assert counties.choose(db, scope, asked, within=within) == expected


def test_the_refusal_names_the_counties_to_choose_from(db):
    with pytest.raises(BadInput) as refused:
        counties.choose(db, CITY, [], how="?county=CODE")
    assert refused.value.details == [f"{A} {NAMES[A]}", f"{B} {NAMES[B]}"]
    assert "?county=CODE" in refused.value.message and NAMES[C] not in refused.value.message


def test_choices_of_each_scope(db):
    assert [c["code"] for c in counties.county_choices(db, EVERYTHING)] == [A, B, C]
    assert counties.county_choices(db, CITY) == [
        {"code": A, "name": NAMES[A]},
        {"code": B, "name": NAMES[B]},
    ]
    assert counties.county_choices(db, Scope(("341899",))) == [{"code": "341899", "name": None}]
    assert [c["code"] for c in counties.county_choices(db, Scope((TOWNSHIP_A,)))] == [A]


# --- the web: reports and lists -----------------------------------------------------------

REPORTS = [
    "/api/v1/coverage",
    "/api/v1/households",
    "/api/v1/units?level=2",
    "/api/v1/workers",
    "/api/v1/coverage.xlsx",
    "/api/v1/monitoring",
    "/api/v1/projects",
    "/",
    "/coverage",
    "/monitoring",
    "/projects",
]


def _with(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


@pytest.mark.parametrize("path", REPORTS)
def test_a_city_reviewer_must_choose_among_its_counties(clients, path):
    assert clients["city"].get(path).status_code == 400
    assert clients["city"].get(_with(path, f"county={A}")).status_code == 200
    assert clients["city"].get(_with(path, f"county={C}")).status_code == 404
    assert clients["reviewer_a"].get(path).status_code == 200
    assert clients["township"].get(path).status_code == 200
    assert clients["township"].get(_with(path, f"county={B}")).status_code == 404


def test_the_400_names_the_counties_of_the_account(clients):
    refused = clients["city"].get("/api/v1/coverage")
    assert refused.status_code == 400
    assert refused.json["details"] == [f"{A} {NAMES[A]}", f"{B} {NAMES[B]}"]
    assert A in refused.json["error"] and B in refused.json["error"]
    assert C not in refused.json["error"]
    page = clients["city"].get("/coverage?level=3&county=&lang=en")
    assert page.status_code == 400
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', page.text)
    assert [name for _href, name in links] == [NAMES[A], NAMES[B]]
    for href, name in links:
        code = A if name == NAMES[A] else B
        assert "level=3" in href and href.count("county=") == 1 and f"county={code}" in href
        assert clients["city"].get(href.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [(f"county={A}", {A}), (f"county={B}", {B}), ("county=all", {A, B}),
     (f"county={A}&county={B}", {A, B}), (f"parent={TOWNSHIP_B}", {B})],
)  # fmt: skip
def test_a_chosen_county_reports_only_its_units(clients, query, expected):
    found = clients["city"].get(f"/api/v1/coverage?{query}")
    assert found.status_code == 200
    units = found.json["units"]
    assert units and {u["code"][:6] for u in units} == expected
    households = clients["city"].get(f"/api/v1/households?{query.replace('parent', 'unit')}")
    assert {f["properties"]["unit"][:6] for f in households.json["features"]} == expected


def test_a_county_report_counts_only_that_county(clients):
    units = clients["city"].get(f"/api/v1/coverage?county={B}&level=1").json["units"]
    assert [(u["code"], u["households"]) for u in units] == [(B, 2)]


@pytest.mark.parametrize(
    ("query", "households"),
    [("", {f"H{B}1"}), (f"?county={B}", {f"H{B}1"}), (f"?county={A}", set()),
     (f"?county={C}", set())],
)  # fmt: skip
def test_tiles_hold_the_chosen_county_and_nothing_outside(clients, query, households):
    import mapbox_vector_tile

    from tests.test_tiles import tile_of

    z, x, y = tile_of(*lonlat_m(SHIFT_M[B] + 500, 500), 14)
    tile = clients["city"].get(f"/tiles/households/{z}/{x}/{y}.pbf{query}")
    assert tile.status_code == 200
    layers = mapbox_vector_tile.decode(tile.data)
    found = {f["properties"]["code"] for f in layers.get("households", {}).get("features", [])}
    assert found == households


def test_pages_keep_the_chosen_county_in_their_links(clients):
    page = clients["city"].get(f"/coverage?county={B}").text
    assert f'name="county" value="{B}"' in page
    assert re.search(rf'href="/api/v1/coverage.xlsx\?[^"]*county={B}', page)


# --- the web: the map's county picker -----------------------------------------------------


def _picker(html: str) -> list[tuple[str, str]] | None:
    form = re.search(r'<form[^>]*id="gm-county-picker".*?</form>', html, re.S)
    if form is None:
        return None
    return re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', form.group(0))


@pytest.mark.parametrize(
    ("username", "picker"),
    [("city", [(A, NAMES[A]), (B, NAMES[B])]),
     ("province", [(A, NAMES[A]), (B, NAMES[B]), (C, NAMES[C])]),
     ("reviewer_a", None), ("township", None), ("worker", None)],
)  # fmt: skip
def test_the_map_offers_a_county_picker_to_accounts_of_several(clients, username, picker):
    page = clients[username].get("/map")
    assert page.status_code == 200
    assert _picker(page.text) == picker


def test_the_map_shows_the_picked_county(clients):
    page = clients["city"].get(f"/map?county={B}&lang=en")
    assert page.status_code == 200
    assert re.search(rf'<option value="{B}" selected>', page.text)
    assert "Choose a county</option>" not in page.text and '"countyRequired": false' in page.text
    assert f"/api/v1/units?county={B}" in page.text
    assert f"/tiles/units/{{z}}/{{x}}/{{y}}.pbf?county={B}" in page.text
    first = clients["city"].get("/map?lang=en")
    assert "Choose a county</option>" in first.text and '"countyRequired": true' in first.text
    assert clients["city"].get(f"/map?county={C}").status_code == 404


def test_the_picker_speaks_chinese_by_default(clients):
    page = clients["city"].get("/map?lang=zh")
    assert "选择县" in page.text


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def run(cli_env):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str, password: str | None = None) -> tuple[int, str, str]:
        result = runner.invoke(main, list(args), env=cli_env, input=password,
                               catch_exceptions=False)  # fmt: skip
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_users_add_a_city_reviewer_with_two_counties(run, tiny_county_file, tmp_path):
    assert run("import", "grids", str(tiny_county_file))[0] == 0
    added = run("users", "add", "shi", "--role", "city", "--county", A, "--county", B,
                "--password-stdin", password="Str0ng-enough!\n")  # fmt: skip
    assert added[0] == 0, added
    code, out, _ = run("users", "add", "sheng", "--role", "province", "--password-stdin",
                       password="Str0ng-enough!\n")  # fmt: skip
    assert code == 1
    assert run("users", "add", "li", "--role", "reviewer", "--password-stdin",
               password="Str0ng-enough!\n")[0] == 0  # fmt: skip
    users = {u["username"]: u for u in json.loads(run("users", "list", "--json")[1])["users"]}
    assert users["shi"]["role"] == "city" and users["shi"]["counties"] == [A, B]
    assert users["li"]["counties"] == [A]  # the database's only county
    assert "sheng" not in users


ASKS = f"--county CODE (or --county all for every county together); this account may see: {A}"


@pytest.mark.parametrize(
    ("args", "refusal", "counties_reported"),
    [
        (["coverage", "--json"], ASKS, None),
        (["coverage", "--json", "--county", B], None, {B}),
        (["coverage", "--json", "--county", "all"], None, {A, B}),
        (["coverage", "--json", "--county", C], f"There is no county {C}", None),
        (["monitoring", "report", "--json"], ASKS, None),
        (["monitoring", "report", "--json", "--county", A], None, {A}),
        (["monitoring", "uncontacted", "--json", "--unit", TOWNSHIP_B], None, None),
        (["monitoring", "uncontacted", "--json"], ASKS, None),
        (["projects", "report", "--json"], ASKS, None),
        (["visits", "doubtful", "--json"], ASKS, None),
    ],
)
def test_the_command_line_asks_for_a_county_when_the_database_holds_several(
    run, tiny_county_file, tmp_path, args, refusal, counties_reported
):
    assert run("import", "grids", str(tiny_county_file))[0] == 0
    assert run("import", "grids", str(write_county(B, tmp_path)))[0] == 0
    code, out, err = run(*args)
    assert code == (1 if refusal else 0), err
    if refusal:
        assert refusal in err and (refusal != ASKS or f"{B} {NAMES[B]}" in err)
    if counties_reported is not None:
        assert {u["code"][:6] for u in json.loads(out)["units"]} == counties_reported


def test_the_command_line_needs_no_county_for_one(run, tiny_county_file, tmp_path):
    assert run("import", "grids", str(tiny_county_file))[0] == 0
    code, out, _ = run("coverage", "--json")
    assert code == 0 and {u["code"][:6] for u in json.loads(out)["units"]} == {A}
    output = tmp_path / "grid.geojson"
    assert run("export", "grids", "-o", str(output))[0] == 0


def test_export_grids_of_one_county(run, tiny_county_file, tmp_path):
    import geopandas as gpd

    assert run("import", "grids", str(tiny_county_file))[0] == 0
    assert run("import", "grids", str(write_county(B, tmp_path)))[0] == 0
    output = tmp_path / "grid.geojson"
    assert run("export", "grids", "-o", str(output))[0] == 1
    assert run("export", "grids", "--county", B, "-o", str(output))[0] == 0
    assert set(gpd.read_file(output)["code"].str[:6]) == {B}


# --- city and province roll-ups ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "level", "expected"),
    [
        ("city", 0, {"3418": (4, [A, B])}),
        ("province", 0, {"3418": (6, [A, B, C])}),
        ("province", -1, {"34": (6, [A, B, C])}),
        ("reviewer_a", -1, {"34": (2, [A])}),
    ],
)
def test_a_roll_up_needs_no_county_and_adds_up_the_counties_seen(
    clients, username, level, expected
):
    response = clients[username].get(f"/api/v1/coverage?level={level}")
    assert response.status_code == 200, response.get_data(as_text=True)
    units = response.get_json()["units"]
    got = {u["code"]: (u["households"], u["counties"]) for u in units}
    assert got == expected
    assert all(u["level"] == level for u in units)


def test_a_roll_up_is_the_sum_of_its_county_reports(clients):
    client = clients["province"]
    rolled = client.get("/api/v1/coverage?level=0").get_json()["units"][0]
    counties = [
        client.get(f"/api/v1/coverage?level=1&county={code}").get_json()["units"][0]
        for code in (A, B, C)
    ]
    for key in ("households", "monitored", "covered", "outside_grid", "no_worker", "overdue"):
        assert rolled[key] == sum(c[key] for c in counties), key
    assert rolled["reasons"] == {
        r: sum(c["reasons"][r] for c in counties) for r in rolled["reasons"]
    }
    assert rolled["workers_active"] == 1  # W1 serves a group of county A


def test_a_roll_up_of_a_county_outside_the_scope_is_not_found(clients):
    response = clients["city"].get(f"/api/v1/coverage?level=0&county={C}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("level", "expected"),
    [("0", [("3418", [A, B])]), ("-1", [("34", [A, B])])],
)
def test_the_command_line_rolls_up_cities_and_provinces(run, tiny_county_file, tmp_path, level,
                                                         expected):  # fmt: skip
    assert run("import", "grids", str(tiny_county_file))[0] == 0
    assert run("import", "grids", str(write_county(B, tmp_path)))[0] == 0
    code, out, err = run("coverage", "--json", "--level", level)
    assert code == 0, err
    assert [(u["code"], u["counties"]) for u in json.loads(out)["units"]] == expected


def test_one_worker_code_in_two_counties_is_two_workers(conn, tiny_county_file, tmp_path):
    add_grid(conn, tiny_county_file)
    add_grid(conn, write_county(B, tmp_path))
    add_worker(conn, "W7", [f"{A}100200001"])
    add_worker(conn, "W7", [f"{B}100200001"])
    rows = conn.execute(
        "SELECT w.county_code, array_agg(g.group_code) FROM worker w JOIN worker_group g "
        "ON g.county_code = w.county_code AND g.worker_code = w.code WHERE w.code = 'W7' "
        "GROUP BY w.county_code ORDER BY 1"
    ).fetchall()
    assert rows == [(A, [f"{A}100200001"]), (B, [f"{B}100200001"])]


def test_an_import_reassigns_the_households_of_its_own_counties_only(conn, tiny_county_file,
                                                                     tmp_path):  # fmt: skip
    add_grid(conn, tiny_county_file)
    add_grid(conn, write_county(B, tmp_path))
    add_households(conn, [Household("HA", (500, 500))])
    add_households(conn, [Household("HB", (SHIFT_M[B] + 500, 500))])
    # Both lose their group behind the importer's back; an import into B puts B's right only.
    conn.execute("UPDATE household SET unit_code = NULL")
    add_households(conn, [Household("HB2", (SHIFT_M[B] + 600, 500))])
    placed = dict(conn.execute("SELECT code, unit_code FROM household ORDER BY code").fetchall())
    assert placed == {"HA": None, "HB": f"{B}100200001", "HB2": f"{B}100200001"}


def test_a_worker_account_sees_its_own_countys_worker_only(conn, tiny_county_file, tmp_path):
    add_grid(conn, tiny_county_file)
    add_grid(conn, write_county(B, tmp_path))
    add_worker(conn, "W7", [f"{A}100200001"])
    add_account(conn, "w7", "worker", worker="W7")
    # Another county numbers a worker of its own W7 afterwards: the account stays in county A.
    add_worker(conn, "W7", [f"{B}100200001"])
    account = account_store.get_account(conn, "w7")
    assert account["county_codes"] == [A]
    assert accounts.scope_of(conn, account) == Scope((f"{A}100200001",))


@pytest.mark.parametrize(
    ("counties", "refusal"),
    [((), "names a worker in each of the counties 341890, 341891; give --county CODE"),
     ((B,), None), ((C,), "no worker W7 in county 341892; import the worker first")],
)  # fmt: skip
def test_a_worker_code_of_two_counties_needs_the_county(conn, tiny_county_file, tmp_path,
                                                       counties, refusal):  # fmt: skip
    add_grid(conn, tiny_county_file)
    add_grid(conn, write_county(B, tmp_path))
    add_worker(conn, "W7", [f"{A}100200001"])
    add_worker(conn, "W7", [f"{B}100200001"])
    if refusal is None:
        add_account(conn, "w7", "worker", worker="W7", counties=counties)
        assert account_store.get_account(conn, "w7")["county_codes"] == [B]
        return
    with pytest.raises((BadInput, NotFound)) as refused:
        add_account(conn, "w7", "worker", worker="W7", counties=counties)
    assert refusal in str(refused.value)
