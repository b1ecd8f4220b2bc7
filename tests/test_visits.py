"""Recording visits through the API: scope, check-in distance, review, and visit status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from gridmap.core import clock
from gridmap.core.config import Config
from gridmap.fieldwork import visits
from gridmap.grid import assign
from gridmap.registry.people import import_visits
from gridmap.web import create_app
from tests.conftest import _copy_database
from tests.household_fixtures import (
    RECORDER,
    Household,
    add_contact,
    add_grid,
    add_households,
    add_visit,
    add_worker,
    lonlat_m,
    reject_visit,
)
from tests.test_household_import import write_csv
from tests.web_fixtures import ROLE_ACCOUNTS, add_role_accounts, login

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = clock.today("Asia/Shanghai")
G1 = "341890100200001"  # box 0..2000 x 0..2000 m; worker W1's group
G_OTHER_VILLAGE = "341890100201001"  # same township, not W1's
G_OTHER_TOWNSHIP = "341890101200001"
#: code -> (point in metres, category, group); H1 is overdue: monitored, last visit 40 days ago.
HOUSEHOLDS = {
    "H1": ((500, 500), "monitored", G1),
    "H2": ((600, 500), "ordinary", G1),
    "H3": ((2500, 500), "lifted", G_OTHER_VILLAGE),
    "H4": ((4500, 500), "monitored", G_OTHER_TOWNSHIP),
}


def seed_county(conn: psycopg.Connection, county_file) -> None:  # type: ignore[no-untyped-def]
    """The tiny county, HOUSEHOLDS, workers W1 (G1) and W2, contacts, old visits, accounts."""
    add_grid(conn, county_file, reason="test fixture")
    add_households(
        conn,
        [Household(code, at_m, category=category)
         for code, (at_m, category, _group) in HOUSEHOLDS.items()],
    )  # fmt: skip
    add_worker(conn, "W1", [G1], home_m=(550, 550))
    add_worker(conn, "W2", [G_OTHER_VILLAGE, G_OTHER_TOWNSHIP])
    add_contact(conn, "C1", "H1", since=date(2020, 1, 1))
    add_contact(conn, "C4", "H4", since=date(2020, 1, 1))
    add_visit(conn, "H1", TODAY - timedelta(days=40))
    assign.assign_households(conn)
    add_role_accounts(conn)


def field_app(config: Config) -> Flask:
    """The web app with the field blueprint (registered here too if the factory lacks it)."""
    from gridmap.web import field

    app = create_app(replace(config, login_rate_limit="1000 per minute"))
    if "field" not in app.blueprints:
        app.register_blueprint(field.bp)
    return app


class Clients(dict):
    """Logged-in test clients per role, each made on first use with its CSRF token."""

    def __init__(self, app: Flask):
        super().__init__()
        self.app = app

    def __missing__(self, role: str) -> FlaskClient:
        client = self.app.test_client()
        assert login(client, role).status_code == 302
        page = client.get("/visits/new")
        assert page.status_code == 200
        client.csrf = re.search(r'"csrf": "([^"]+)"', page.text).group(1)  # type: ignore[attr-defined, union-attr]
        self[role] = client
        return client


@pytest.fixture
def seeded(config, tiny_county_file) -> Config:
    """A fresh database holding the seeded county, committed."""
    with psycopg.connect(config.database_url) as conn:
        seed_county(conn, tiny_county_file)
    return config


@pytest.fixture
def app(seeded) -> Iterator[Flask]:
    application = field_app(seeded)
    yield application
    application.extensions["gridmap_pool"].close()


@pytest.fixture
def clients(app) -> Clients:
    return Clients(app)


@pytest.fixture(scope="module")
def shared(pg_cluster, template_url, tiny_county_file, tmp_path_factory) -> Iterator[tuple]:
    """(config, clients) on one seeded database for tests that write nothing."""
    url = _copy_database(pg_cluster, "field_visits_shared")
    with psycopg.connect(url) as conn:
        seed_county(conn, tiny_county_file)
    config = Config(database_url=url, var_dir=tmp_path_factory.mktemp("var"), secret_key="t")
    application = field_app(config)
    yield config, Clients(application)
    application.extensions["gridmap_pool"].close()


def post(client: FlaskClient, path: str, body: dict):  # type: ignore[no-untyped-def]
    """POST JSON with the client's CSRF header."""
    return client.post(path, json=body, headers={"X-CSRFToken": client.csrf})  # type: ignore[attr-defined]


def visit(household: str, **extra: object) -> dict:
    """A visit body checked in right at the household."""
    lon, lat = lonlat_m(*HOUSEHOLDS[household][0])
    return {"household": household, "kind": "routine", "notes": "家中有人", "lon": lon,
            "lat": lat, **extra}  # fmt: skip


def household_status(client: FlaskClient, code: str, **query: str) -> dict:
    features = client.get("/api/v1/households", query_string=query).json["features"]
    return next(f["properties"] for f in features if f["properties"]["code"] == code)


def g1_counts(client: FlaskClient, **query: str) -> dict:
    units = client.get("/api/v1/coverage", query_string={"level": "4", **query}).json["units"]
    return next(u for u in units if u["code"] == G1)


#: Visits, and audit rows other than logins.
WRITES = "SELECT count(*) FROM visit UNION ALL SELECT count(*) FROM audit WHERE action <> 'login'"


def db_rows(config: Config, query: str, params: list | None = None) -> list[tuple]:
    with psycopg.connect(config.database_url) as conn:
        return conn.execute(query, params or []).fetchall()


def test_visit_turns_an_overdue_household_visited(clients, seeded):
    reviewer = clients["reviewer"]
    assert household_status(reviewer, "H1")["visit_status"] == "overdue"
    assert g1_counts(reviewer)["overdue"] == 2  # H1 overdue, H2 never visited
    response = post(clients["worker"], "/api/v1/visits", visit("H1"))
    assert response.status_code == 201, response.json
    assert response.json["doubtful"] is False and response.json["visitor"] == "W1"
    assert response.json["checkin_distance_m"] < 1
    assert household_status(reviewer, "H1")["visit_status"] == "visited"
    counts = g1_counts(reviewer)
    assert (counts["overdue"], counts["covered"], counts["visited"]) == (1, 1, 1)
    stored = db_rows(seeded, "SELECT visitor_code, recorded_by, kind, note, doubtful FROM visit "
                     "WHERE recorded_by <> %s", [RECORDER])  # fmt: skip
    assert stored == [("W1", "worker", "routine", "家中有人", False)]
    audit = db_rows(seeded, "SELECT username, target FROM audit WHERE action = 'visit.add'")
    assert audit == [("worker", "H1")]


def test_far_check_in_is_doubtful_and_stops_counting_once_rejected(clients, seeded):
    far = lonlat_m(1500, 1500)  # about 1.4 km from H1
    a_minute_ago = (datetime.now(SHANGHAI) - timedelta(minutes=1)).isoformat()
    body = {**visit("H1"), "lon": far[0], "lat": far[1], "time": a_minute_ago}
    response = post(clients["worker"], "/api/v1/visits", body)
    assert response.status_code == 201
    assert response.json["doubtful"] is True
    assert 1300 < response.json["checkin_distance_m"] < 1500
    # Doubtful still counts until a reviewer decides, and is shown as doubtful.
    reviewer = clients["reviewer"]
    assert household_status(reviewer, "H1")["visit_status"] == "visited"
    listed = clients["worker"].get("/api/v1/field/households").json["households"]
    assert next(h for h in listed if h["code"] == "H1")["doubtful"] is True
    with psycopg.connect(seeded.database_url) as conn:
        assert visits.doubtful_households(conn, seeded, ["H1", "H2"]) == {"H1"}
    pending = reviewer.get("/api/v1/visits?doubtful=1").json["visits"]
    assert [(v["household"], v["doubtful"], v["counts"]) for v in pending] == [("H1", True, True)]
    visit_id = pending[0]["id"]
    assert (
        post(clients["worker"], f"/api/v1/visits/{visit_id}/reject", {"reason": "x"}).status_code
        == 403
    )
    assert post(reviewer, f"/api/v1/visits/{visit_id}/reject", {"reason": " "}).status_code == 400
    rejected = post(reviewer, f"/api/v1/visits/{visit_id}/reject", {"reason": "签到位置不符"})
    assert rejected.status_code == 200
    assert rejected.json["last_visit_on"] == (TODAY - timedelta(days=40)).isoformat()
    assert household_status(reviewer, "H1")["visit_status"] == "overdue"
    assert g1_counts(reviewer)["overdue"] == 2
    assert reviewer.get("/api/v1/visits?doubtful=1").json["visits"] == []
    with psycopg.connect(seeded.database_url) as conn:
        assert visits.doubtful_households(conn, seeded, ["H1", "H2"]) == set()
    again = post(reviewer, f"/api/v1/visits/{visit_id}/reject", {"reason": "again"})
    assert again.status_code == 409
    assert post(reviewer, "/api/v1/visits/999999/reject", {"reason": "x"}).status_code == 404
    audit = db_rows(seeded, "SELECT username, target FROM audit WHERE action = 'visit.reject'")
    assert audit == [("reviewer", str(visit_id))]


def doubtful_shown(client: FlaskClient) -> dict:
    """Where a reviewer sees that H1's last visit is doubtful: API, report, page, XLSX, tile."""
    import io

    import mapbox_vector_tile
    import openpyxl

    from gridmap.grid.tiles import POINT_MIN_ZOOM
    from tests.test_tiles import tile_of

    page = client.get("/coverage?level=4").text
    section = page[page.index('id="gm-doubtful"') :]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/coverage.xlsx").data))
    rows = list(book["村民小组"].iter_rows(values_only=True))
    column = rows[0].index("走访签到存疑")
    z, x, y = tile_of(*lonlat_m(*HOUSEHOLDS["H1"][0]), POINT_MIN_ZOOM + 1)
    tile = mapbox_vector_tile.decode(client.get(f"/tiles/households/{z}/{x}/{y}.pbf").data)
    points = {f["properties"]["code"]: f["properties"] for f in tile["households"]["features"]}
    return {
        "api": household_status(client, "H1")["doubtful_visit"],
        "detail": client.get("/api/v1/households/H1").json["doubtful_visit"],
        "report": g1_counts(client)["doubtful_visit"],
        "page": f'data-code="{G1}"' in section,
        "xlsx": {r[0]: r[column] for r in rows[1:]}[G1],
        "tile": points["H1"]["doubtful_visit"],
    }


NOT_DOUBTFUL = {"api": False, "detail": False, "report": 0, "page": False, "xlsx": 0, "tile": False}


def test_doubtful_visit_shows_in_reports_until_rejected(clients, seeded):
    reviewer = clients["reviewer"]
    assert doubtful_shown(reviewer) == NOT_DOUBTFUL
    far = lonlat_m(1500, 1500)
    body = {**visit("H1"), "lon": far[0], "lat": far[1]}
    made = post(clients["worker"], "/api/v1/visits", body).json
    assert made["doubtful"] is True
    assert doubtful_shown(reviewer) == {
        "api": True, "detail": True, "report": 1, "page": True, "xlsx": 1, "tile": True,
    }  # fmt: skip
    rejected = post(reviewer, f"/api/v1/visits/{made['id']}/reject", {"reason": "签到位置不符"})
    assert rejected.status_code == 200
    assert doubtful_shown(reviewer) == NOT_DOUBTFUL
    # A sound visit on the same day as a doubtful one settles it as well.
    earlier = (datetime.now(SHANGHAI) - timedelta(minutes=5)).isoformat()
    assert post(clients["worker"], "/api/v1/visits", {**body, "time": earlier}).json["doubtful"]
    assert household_status(reviewer, "H1")["doubtful_visit"] is True
    assert post(clients["worker"], "/api/v1/visits", visit("H1")).status_code == 201
    assert household_status(reviewer, "H1")["doubtful_visit"] is False


def test_rejected_visits_do_not_count_on_earlier_dates(clients, seeded):
    """A report as of a past date looks into the visits; a rejected one stays out."""
    worker, reviewer = clients["worker"], clients["reviewer"]
    three_days_ago = datetime.combine(TODAY - timedelta(days=3), time(9), SHANGHAI)
    body = {**visit("H1"), "lon": lonlat_m(1900, 1900)[0], "lat": lonlat_m(1900, 1900)[1],
            "time": three_days_ago.isoformat()}  # fmt: skip
    doubtful = post(worker, "/api/v1/visits", body).json
    assert (
        post(reviewer, f"/api/v1/visits/{doubtful['id']}/reject", {"reason": "假走访"}).status_code
        == 200
    )
    assert post(worker, "/api/v1/visits", visit("H1")).status_code == 201  # today, counts
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert household_status(reviewer, "H1", as_of=yesterday)["visit_status"] == "overdue"
    assert household_status(reviewer, "H1")["visit_status"] == "visited"


@pytest.mark.parametrize(
    ("role", "body", "status", "message"),
    [
        ("reviewer", {"household": "H404", "visitor": "W1"}, 404, "no household H404"),
        ("worker", {"household": "H3"}, 404, "no household H3"),  # outside W1's groups
        ("worker", {"household": "H4"}, 404, "no household H4"),
        ("township", {"household": "H4", "visitor": "W2"}, 404, "no household H4"),
        ("worker", {"household": "H1", "time": "2999-01-01 09:00"}, 400, "in the future"),
        ("worker", {"household": "H1", "time": "昨天"}, 400, "time '昨天'"),
        ("worker", {"household": "H1", "visitor": "X9"}, 400, "visitor X9 is neither"),
        ("reviewer", {"household": "H1"}, 400, "visitor is missing"),
        ("worker", {"household": "H1", "kind": "phone"}, 400, "kind 'phone'"),
        ("worker", {"household": "H1", "lon": 30.5, "lat": 117.0}, 400, "look swapped"),
        ("worker", {"household": "H1", "lon": 117.0}, 400, "both lon and lat"),
        ("worker", {"household": "H1", "notes": "x" * 2001}, 400, "longer than 2000"),
        ("worker", {"visitor": "W1"}, 400, "household is missing"),
        (
            "admin",
            {"household": "H4", "visitor": "W1"},
            400,
            "worker W1 serves township 341890100, not the household's township 341890101; "
            "check the visitor code",
        ),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_written(shared, role, body, status, message):
    seeded, clients = shared
    client = clients[role]  # signing in opens the form, which audits the plans it lists
    before = db_rows(seeded, WRITES)
    response = post(client, "/api/v1/visits", body)
    assert response.status_code == status
    assert message in response.json["error"]
    assert db_rows(seeded, WRITES) == before
    assert household_status(clients["reviewer"], "H1")["visit_status"] == "overdue"


def test_township_records_inside_its_township_and_duplicates_conflict(clients):
    body = {**visit("H3"), "visitor": "W2", "time": f"{TODAY - timedelta(days=1)}T07:30"}
    assert post(clients["township"], "/api/v1/visits", body).status_code == 201
    assert post(clients["township"], "/api/v1/visits", body).status_code == 409
    assert (
        post(clients["admin"], "/api/v1/visits", {**visit("H4"), "visitor": "C4"}).status_code
        == 201
    )


def test_a_worker_serving_a_group_of_the_households_township_may_visit_it(clients):
    # W2 serves a group in H4's township and one in another: the visit is allowed.
    response = post(clients["admin"], "/api/v1/visits", {**visit("H4"), "visitor": "W2"})
    assert response.status_code == 201, response.json
    assert response.json["visitor"] == "W2"


def test_writes_need_the_csrf_header(shared):
    response = shared[1]["worker"].post("/api/v1/visits", json=visit("H1"))
    assert response.status_code == 400 and "CSRF" in response.json["error"]


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_field_list_holds_only_households_in_scope(shared, role):
    clients = shared[1]
    listed = clients[role].get("/api/v1/field/households").json["households"]
    expected = {
        "worker": ["H1", "H2"],
        "township": ["H1", "H2", "H3"],
    }.get(role, ["H1", "H2", "H3", "H4"])
    assert sorted(h["code"] for h in listed) == expected
    # Most urgent first: overdue H1 and never-visited ones before anything visited.
    assert [h["visit_status"] for h in listed] == sorted(
        (h["visit_status"] for h in listed), key=["never", "overdue", "due_soon", "visited"].index
    )
    assert clients[role].get("/api/v1/field/households?q=H2").json["households"][0]["code"] == "H2"


def test_visit_form_lists_the_workers_groups_and_scripts_carry_the_nonce(shared):
    clients = shared[1]
    page = clients["worker"].get("/visits/new").text
    assert f'value="{G1}"' in page and G_OTHER_VILLAGE not in page
    assert 'value="W1"' in page
    nonces = re.findall(r"<script[^>]*nonce=\"([^\"]+)\"", page)
    assert len(nonces) == page.count("<script") and len(set(nonces)) == 1
    assert " on" + "click=" not in page


def test_visit_import_takes_check_in_points(conn, tiny_county_file, tmp_path):
    seed_county(conn, tiny_county_file)
    near, far = lonlat_m(520, 520), lonlat_m(3000, 3000)
    rows = [
        [
            "H1",
            "W1",
            f"{TODAY - timedelta(days=2)} 09:00",
            "日常走访",
            "",
            str(near[0]),
            str(near[1]),
        ],
        [
            "H2",
            "W1",
            f"{TODAY - timedelta(days=1)} 09:00",
            "集中走访",
            "",
            str(far[0]),
            str(far[1]),
        ],
        ["H3", "W2", f"{TODAY - timedelta(days=1)} 10:00", "", "", "", ""],
    ]
    headers = ["户编码", "走访人", "走访时间", "类型", "备注", "签到经度", "签到纬度"]
    report = import_visits(conn, write_csv(tmp_path / "v.csv", rows, headers),
                           recorded_by="importer")  # fmt: skip
    assert (report["inserted"], report["doubtful"]) == (3, 1)
    stored = conn.execute(
        "SELECT household_code, doubtful, recorded_by, checkin IS NOT NULL FROM visit "
        "WHERE recorded_by <> %s ORDER BY household_code",
        [RECORDER],
    ).fetchall()
    assert stored == [("H1", False, "importer", True), ("H2", True, "importer", True),
                      ("H3", False, "importer", False)]  # fmt: skip


def test_reimporting_a_rejected_visit_does_not_count_it_again(conn, tiny_county_file, tmp_path):
    seed_county(conn, tiny_county_file)
    day = TODAY - timedelta(days=2)
    path = write_csv(tmp_path / "v.csv", [["H2", "W1", f"{day} 09:00", "", ""]],
                     ["户编码", "走访人", "走访时间", "类型", "备注"])  # fmt: skip
    import_visits(conn, path)
    reject_visit(conn, "H2", datetime.combine(day, time(9), SHANGHAI), "x")
    assert import_visits(conn, path)["households_updated"] == 0
    assert conn.execute("SELECT last_visit_on FROM household WHERE code = 'H2'").fetchone() == (
        None,
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["H1", "W1", "2023-05-01 09:00", "", "", "30.1", "117.1"]], "look swapped"),
        ([["H1", "W1", "2023-05-01 09:00", "", "", "117.1", ""]], "only one of longitude"),
    ],
)
def test_bad_check_in_columns_are_refused(conn, tiny_county_file, tmp_path, rows, message):
    from gridmap.core.errors import BadInput

    seed_county(conn, tiny_county_file)
    headers = ["户编码", "走访人", "走访时间", "类型", "备注", "签到经度", "签到纬度"]
    with pytest.raises(BadInput) as info:
        import_visits(conn, write_csv(tmp_path / "bad.csv", rows, headers))
    assert "row 2" in " ".join(info.value.details) and message in " ".join(info.value.details)


NEW_API = [
    "/api/v1/field/households",
    "/api/v1/visits",
    "/api/v1/campaigns",
    "/api/v1/campaigns/1/progress",
    "/api/v1/campaigns/1/unvisited",
    "/api/v1/campaigns/1/unvisited.xlsx",
    "/api/v1/contacts",
    "/api/v1/households/H1/contacts",
    "/api/v1/households/H1/monitoring",
    "/api/v1/monitoring",
    "/api/v1/monitoring.xlsx",
    "/api/v1/monitoring/uncontacted",
]


@pytest.mark.parametrize("path", NEW_API)
def test_field_api_needs_login(shared, path):
    response = shared[1].app.test_client().get(path)
    assert response.status_code == 401 and "login" in response.json["error"]


@pytest.mark.parametrize("path", ["/visits/new", "/campaigns", "/campaigns/1"])
def test_field_pages_redirect_to_login(shared, path):
    response = shared[1].app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_cli_import_flags_far_check_ins_by_the_configured_distance(cli_env, tiny_county_file,
                                                                    tmp_path):  # fmt: skip
    import json

    from click.testing import CliRunner

    from gridmap.cli import main

    with psycopg.connect(cli_env["GRIDMAP_DATABASE_URL"]) as conn:
        seed_county(conn, tiny_county_file)
    when = f"{TODAY - timedelta(days=1)} 09:00"
    rows = [
        ["H1", "W1", when, "", "", *map(str, lonlat_m(1500, 1500))],  # 1.4 km from H1
        ["H2", "W1", when, "", "", *map(str, lonlat_m(2600, 2600))],  # 2.9 km from H2
    ]
    headers = ["户编码", "走访人", "走访时间", "类型", "备注", "签到经度", "签到纬度"]
    path = write_csv(tmp_path / "v.csv", rows, headers, "gbk")
    env = {**cli_env, "GRIDMAP_CHECKIN_MAX_M": "2000"}
    result = CliRunner().invoke(main, ["import", "visits", str(path), "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    assert (json.loads(result.stdout)["inserted"], json.loads(result.stdout)["doubtful"]) == (2, 1)
    user = clock.os_user()
    config = Config(database_url=cli_env["GRIDMAP_DATABASE_URL"])
    stored = db_rows(config, "SELECT household_code, doubtful, recorded_by FROM visit "
                     "WHERE recorded_by <> %s ORDER BY 1", [RECORDER])  # fmt: skip
    assert stored == [("H1", False, user), ("H2", True, user)]
    audit = db_rows(config, "SELECT username, target FROM audit WHERE action = 'import.visits'")
    assert audit == [(user, "v.csv")]
