"""Request parameters: good values parse, bad ones are refused with a 400 naming the fix."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask

from gridmap.core import fields
from gridmap.core.config import Config
from gridmap.core.errors import BadInput
from gridmap.web import params
from gridmap.web.i18n import init_i18n


@pytest.fixture(scope="module")
def app() -> Flask:
    """A bare app with the settings and languages the parameters need."""
    app = Flask(__name__)
    app.config["GRIDMAP"] = Config(default_locale="zh_Hans_CN")
    app.config["SECRET_KEY"] = "test"
    init_i18n(app)
    return app


def parse(app: Flask, query: str, read, path: str = "/api/v1/x"):  # type: ignore[no-untyped-def]
    """What `read()` returns for a request to `path?query`."""
    with app.test_request_context(f"{path}?{query}"):
        return read()


GOOD = [
    ("as_of=2024-06-30", params.as_of, date(2024, 6, 30)),
    ("as_of=+2024-06-30+", params.as_of, date(2024, 6, 30)),
    ("from=2024-01-01", lambda: params.day("from"), date(2024, 1, 1)),
    ("", lambda: params.day("from"), None),
    ("", lambda: params.required_day("to", date(2020, 2, 2)), date(2020, 2, 2)),
    ("since=2026-01-31T08:00", lambda: params.moment("since"), datetime(2026, 1, 31, 8)),
    ("since=2026-01-31", lambda: params.moment("since"), datetime(2026, 1, 31)),
    ("", lambda: params.moment("since"), None),
    ("year=2024", lambda: params.integer("year", low=2000, high=2100), 2024),
    ("year=", lambda: params.integer("year", low=2000, high=2100, default=7), 7),
    ("level=4", params.level, 4),
    ("", lambda: params.level(default=2), 2),
    ("level=9", lambda: params.level_or(2), 2),
    ("level=x", lambda: params.level_or(2), 2),
    ("level=3", lambda: params.level_or(2), 3),
    ("unit=341890100", lambda: params.unit_code("unit"), "341890100"),
    ("unit=", lambda: params.unit_code("unit"), None),
    ("unit=12ab", lambda: params.lenient_unit_code("unit"), None),
    ("", params.page, 1),
    ("page=3", params.page, 3),
    ("", lambda: params.limit(high=5000, default=500), 500),
    ("limit=5000", lambda: params.limit(high=5000, default=500), 5000),
    ("before=12", lambda: params.lenient_integer("before"), 12),
    ("before=x", lambda: params.lenient_integer("before"), None),
    ("status=overdue", lambda: params.choice("status", {"overdue", "never"}), "overdue"),
    ("", lambda: params.choice("status", {"overdue"}), None),
    ("a=2", lambda: params.version("a"), 2),
    ("doubtful=1", lambda: params.flag("doubtful"), True),
    ("doubtful=yes", lambda: params.flag("doubtful"), False),
    ("household=" + "H" * 50, lambda: params.text("household", max_length=40), "H" * 40),
]


@pytest.mark.parametrize(("query", "read", "expected"), GOOD)
def test_good_values_parse(app, query, read, expected):
    assert parse(app, query, read) == expected


BAD = [
    ("as_of=30.06.2026", params.as_of,
     "Parameter as_of must be a date written YYYY-MM-DD, e.g. 2024-06-30."),
    ("as_of=2026-02-30", params.as_of, "Parameter as_of must be a date written YYYY-MM-DD"),
    ("from=yesterday", lambda: params.day("from"), "Parameter from must be a date"),
    ("since=soon", lambda: params.moment("since"),
     "Parameter since must be an ISO date or time, e.g. 2026-01-31"),
    ("year=1999", lambda: params.integer("year", low=2000, high=2100),
     "Parameter year must be a whole number from 2000 to 2100."),
    ("year=-5", lambda: params.integer("year", low=2000, high=2100), "whole number"),
    ("year=2024.5", lambda: params.integer("year", low=2000, high=2100), "whole number"),
    ("year=２０２４", lambda: params.integer("year", low=2000, high=2100), "whole number"),
    ("level=5", params.level, "Parameter level must be a grid level from 1 to 4."),
    ("level=0", params.level, "grid level"),
    ("unit=12345", lambda: params.unit_code("unit"),
     "Parameter unit must be a grid code of 6, 9, 12 or 15 digits."),
    ("parent=341890%25", lambda: params.unit_code("parent"), "Parameter parent must be a grid"),
    ("page=0", params.page, "Parameter page must be a whole number from 1 to 1000000."),
    ("page=x", params.page, "Parameter page"),
    ("limit=5001", lambda: params.limit(high=5000, default=500), "from 1 to 5000"),
    ("status=lost", lambda: params.choice("status", {"overdue", "never"}),
     "Parameter status must be one of never, overdue."),
    ("a=v2", lambda: params.version("a"), "Parameter a must be a version number."),
    ("", lambda: params.version("b"), "Parameter b must be a version number."),
]  # fmt: skip


@pytest.mark.parametrize(("query", "read", "message"), BAD)
def test_bad_values_are_refused_with_400(app, query, read, message):
    with pytest.raises(BadInput) as refused:
        parse(app, query, read)
    assert refused.value.status == 400
    assert message in refused.value.message


def test_pages_word_the_refusal_in_the_users_language(app):
    with pytest.raises(BadInput) as chinese:
        parse(app, "as_of=30.06.2026", params.as_of, path="/coverage")
    assert chinese.value.message == "参数 as_of 须为 YYYY-MM-DD 格式的日期，例如 2024-06-30。"
    with pytest.raises(BadInput) as english:
        parse(app, "as_of=30.06.2026&lang=en", params.as_of, path="/coverage")
    assert english.value.message.startswith("Parameter as_of must be a date")


def field(read, *args, **options):  # type: ignore[no-untyped-def]
    """`read(form, *args)` worded for the request, as the web layer calls the form fields."""
    return lambda form: read(form, *args, words=params.translated, **options)


FIELDS = [
    ({"days": "x"}, field(fields.field_whole, "days", "Days"), "Days must be a whole number."),
    ({"hours": "8h"}, field(fields.field_number, "hours", "Hours"),
     "Hours must be a number, e.g. 8 or 7.5."),
    ({"first_day": "tomorrow"}, field(fields.field_day, "first_day", "First day"),
     "First day must be a date written YYYY-MM-DD, e.g. 2024-06-30."),
]  # fmt: skip


@pytest.mark.parametrize(("form", "read", "message"), FIELDS)
def test_bad_form_fields_name_the_field(app, form, read, message):
    with pytest.raises(BadInput) as refused:
        parse(app, "lang=en", lambda: read(form))
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("form", "read", "expected"),
    [
        ({"days": 3}, field(fields.field_whole, "days", "Days"), 3),
        ({"seed": ""}, field(fields.field_whole, "seed", "Seed", required=False), None),
        ({"hours": "7.5"}, field(fields.field_number, "hours", "Hours"), 7.5),
        ({"first_day": "2023-07-01"}, field(fields.field_day, "first_day", "First day"),
         date(2023, 7, 1)),
    ],
)  # fmt: skip
def test_good_form_fields_parse(app, form, read, expected):
    assert parse(app, "", lambda: read(form)) == expected
