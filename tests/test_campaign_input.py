"""Campaign input as the form, the API and the command line give it: checked values, or the
exact refusal."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from gridmap.core.errors import BadInput
from gridmap.fieldwork.campaign_input import NewCampaign, new_campaign, parse_campaign

JUNE = {"name": "夏季走访", "from": "2025-06-01", "to": "2025-06-30"}
DAYS = "Give the first and last day of the campaign as YYYY-MM-DD."


def june(**fields: object) -> NewCampaign:
    """The June campaign with `fields` replaced."""
    values = {"name": "夏季走访", "starts_on": date(2025, 6, 1), "ends_on": date(2025, 6, 30)}
    return NewCampaign(**{**values, **fields})  # type: ignore[arg-type]


PARSED = [
    (JUNE, june()),
    ({**JUNE, "name": "  夏季走访 "}, june()),
    ({**JUNE, "to": "2025-06-01"}, june(ends_on=date(2025, 6, 1))),
    ({**JUNE, "scope": "341890100, 341890101;341890100"},
     june(scope_codes=("341890100", "341890101"))),
    ({**JUNE, "scope": ["341890100", "341890100200"]},
     june(scope_codes=("341890100", "341890100200"))),
    ({**JUNE, "categories": ["监测对象", "lifted", "Monitored"]},
     june(categories=("lifted", "monitored"))),
    ({**JUNE, "categories": "一般农户、脱贫户"}, june(categories=("lifted", "ordinary"))),
    (MultiDict([*JUNE.items(), ("scope", "341890100"), ("scope", "341890101200")]),
     june(scope_codes=("341890100", "341890101200"))),
    (MultiDict([*JUNE.items(), ("categories", "ordinary"), ("categories", "")]),
     june(categories=("ordinary",))),
]  # fmt: skip


@pytest.mark.parametrize(("form", "expected"), PARSED)
def test_a_campaign_form_or_body_gives_the_checked_campaign(form, expected):
    assert parse_campaign(form) == expected


REFUSED = [
    ({**JUNE, "from": ""}, DAYS),
    ({**JUNE, "to": "30.06.2025"}, DAYS),
    ({"name": "x"}, DAYS),
    ({**JUNE, "from": "2025-02-30"}, DAYS),
    ({**JUNE, "name": ""}, "the campaign needs a name of 1 to 200 characters"),
    ({**JUNE, "name": "   "}, "the campaign needs a name of 1 to 200 characters"),
    ({**JUNE, "name": "走" * 201}, "the campaign needs a name of 1 to 200 characters"),
    ({**JUNE, "from": "2025-07-01"},
     "the campaign ends (2025-06-30) before it starts (2025-07-01)"),
    ({**JUNE, "scope": "34189010"}, "scope '34189010' is not a 6, 9, 12 or 15-digit grid code"),
    ({**JUNE, "scope": ["341890100", "abc"]},
     "scope 'abc' is not a 6, 9, 12 or 15-digit grid code"),
    ({**JUNE, "categories": "monitored,rich"},
     "category 'rich' is not one of 脱贫户, 已脱贫户, lifted, 监测对象, 监测户, monitored, "
     "一般农户, 一般户, ordinary"),
]  # fmt: skip


@pytest.mark.parametrize(("form", "message"), REFUSED)
def test_a_wrong_campaign_is_refused_with_the_fix(form, message):
    with pytest.raises(BadInput) as refused:
        parse_campaign(form)
    assert refused.value.message == message
    assert refused.value.status == 400


def test_the_days_refusal_is_worded_by_the_caller():
    def shouting(msgid: str, /, **values: object) -> str:
        return msgid.upper()

    with pytest.raises(BadInput) as refused:
        parse_campaign({"name": "x"}, shouting)
    assert refused.value.message == DAYS.upper()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("冬季走访", date(2025, 1, 1), date(2025, 1, 31)),
         NewCampaign("冬季走访", date(2025, 1, 1), date(2025, 1, 31))),
        (("冬季走访", date(2025, 1, 1), date(2025, 1, 1), ("341890100,341890101",), ("脱贫户",)),
         NewCampaign("冬季走访", date(2025, 1, 1), date(2025, 1, 1),
                     ("341890100", "341890101"), ("lifted",))),
    ],
)  # fmt: skip
def test_command_line_values_give_the_same_campaign(args, expected):
    assert new_campaign(*args) == expected
