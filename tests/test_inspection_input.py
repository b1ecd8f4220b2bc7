"""Inspection plan input as the form, the API and the command line give it: the plan request, or
the exact refusal."""

from __future__ import annotations

from datetime import date

import pytest

from gridmap.core.errors import BadInput
from gridmap.inspections import plan_input
from gridmap.inspections.compose import PlanRequest

ALL = ("households", "projects", "groups", "villages")
FORM = {"name": " 六月暗访 ", "first_day": "2023-06-23", "days": "2", "teams": "3", "hours": "7.5",
        "stops": "12", "mandatory": "on"}  # fmt: skip
JSON = {"name": "六月暗访", "first_day": "2023-06-23", "days": 2, "teams": 3, "hours": 7.5,
        "stops": 12}  # fmt: skip


def june(**fields: object) -> PlanRequest:
    """Three teams for two days of 7.5 hours, 12 stops, from 23 June 2023, with `fields`."""
    values = {"name": "六月暗访", "first_day": date(2023, 6, 23), "days": 2, "teams": 3,
              "hours": 7.5, "stops": 12, "sources": ALL}  # fmt: skip
    return PlanRequest(**{**values, **fields})  # type: ignore[arg-type]


FORMS = [
    (FORM, ALL, june()),
    ({**FORM, "mandatory": ""}, ALL, june(mandatory=False)),
    ({k: v for k, v in FORM.items() if k != "mandatory"}, ALL, june(mandatory=False)),
    ({**FORM, "stops": "", "per_township": "3", "seed": "42"}, ALL,
     june(stops=None, per_township=3, seed=42)),
    (FORM, ["villages", "households", "wells"], june(sources=("households", "villages"))),
    ({**FORM, "seat": " 117.05，30.52 "}, ALL, june(seat=(117.05, 30.52))),
    ({**FORM, "quota_households": "3", "quota_groups": " ", "quota_wells": "9"}, ALL,
     june(quotas=(("households", 3),))),
    ({**FORM, "weight_households": "0.5", "weight_projects": "2", "weight_groups": ""}, ALL,
     june(weights=(("households", 0.5), ("projects", 2.0)))),
]  # fmt: skip


@pytest.mark.parametrize(("form", "sources", "expected"), FORMS)
def test_the_plan_form_gives_the_plan_request(form, sources, expected):
    assert plan_input.plan_request(form, sources) == expected


BODIES = [
    (JSON, june()),
    ({**JSON, "mandatory": False}, june(mandatory=False)),
    ({**JSON, "sources": ["groups", 5]}, june(sources=("groups",))),
    ({**JSON, "sources": []}, june()),
    ({**JSON, "quotas": {"households": 2, "projects": "1"}},
     june(quotas=(("households", 2), ("projects", 1)))),
    ({**JSON, "quotas": {"households": None}, "quota_households": "4"},
     june(quotas=(("households", 4),))),
    ({**JSON, "weights": {"villages": 0.1, "groups": "3"}},
     june(weights=(("villages", 0.1), ("groups", 3.0)))),
    ({**JSON, "seed": 0, "per_township": 1}, june(seed=0, per_township=1)),
]  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), BODIES)
def test_a_json_body_gives_the_plan_request(body, expected):
    assert plan_input.plan_body(body) == expected


REFUSED = [
    ([FORM], "send the plan input as a JSON object"),
    ({**JSON, "sources": "households"}, "sources must be a list"),
    ({**JSON, "first_day": "23.6.2023"},
     "First day must be a date written YYYY-MM-DD, e.g. 2024-06-30."),
    ({**JSON, "first_day": None}, "First day must be a date written YYYY-MM-DD, e.g. 2024-06-30."),
    ({**JSON, "days": "two"}, "Days must be a whole number."),
    ({**JSON, "teams": -1}, "Teams must be a whole number."),
    ({**JSON, "teams": ""}, "Teams must be a whole number."),
    ({**JSON, "hours": "8h"}, "Working hours per day must be a number, e.g. 8 or 7.5."),
    ({**JSON, "stops": 2.5}, "Stops in all must be a whole number."),
    ({**JSON, "per_township": "1.0"}, "Stops per township must be a whole number."),
    ({**JSON, "seed": "x"}, "Seed must be a whole number."),
    ({**JSON, "seat": "30.52"}, "The start point must be written lon,lat, e.g. 117.05,30.52"),
    ({**JSON, "seat": "30.52,117.05"},
     "The start point 30.52,117.05 lies outside China; is it written lon,lat?"),
    ({**JSON, "quotas": [3]}, 'quotas must be an object such as {"households": 20}.'),
    ({**JSON, "quotas": {"groups": "two"}}, "The quota for groups must be a whole number."),
    ({**JSON, "quota_projects": "-1"}, "The quota for projects must be a whole number."),
    ({**JSON, "weights": "households=2"}, 'weights must be an object such as {"households": 2}.'),
    ({**JSON, "weights": {"farms": "heavy"}},
     "The weight for farms must be a number, e.g. 2 or 0.5."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), REFUSED)
def test_an_unusable_body_is_refused_naming_the_field(body, message):
    with pytest.raises(BadInput) as refused:
        plan_input.plan_body(body)
    assert refused.value.message == message


def test_refusals_and_labels_are_worded_by_the_caller():
    def bracketed(msgid: str, /, **values: object) -> str:
        return "[" + (msgid % values if values else msgid) + "]"

    for body, message in [
        ({**JSON, "days": "x"}, "[[Days] must be a whole number.]"),
        ({**JSON, "weights": {"groups": "x"}}, "[The weight for groups must be a number, e.g. 2 "
                                               "or 0.5.]"),
        ({**JSON, "seat": "1"}, "[The start point] must be written lon,lat, e.g. 117.05,30.52"),
        ({**JSON, "sources": 1}, "sources must be a list"),
    ]:  # fmt: skip
        with pytest.raises(BadInput) as refused:
            plan_input.plan_body(body, bracketed)
        assert refused.value.message == message


@pytest.mark.parametrize(
    ("parse", "given", "expected"),
    [
        (plan_input.source_list, "households", ("households",)),
        (plan_input.source_list, " groups, households ,", ("groups", "households")),
        (plan_input.quota_pairs, (), ()),
        (plan_input.quota_pairs, ("households=4", " groups = 1 "),
         (("households", 4), ("groups", 1))),
        (plan_input.quota_pairs, ("wells=2",), (("wells", 2),)),  # PlanRequest.check refuses wells
        (plan_input.weight_pairs, ("households=2", "villages=0.5"),
         (("households", 2.0), ("villages", 0.5))),
        (plan_input.weight_pairs, ("projects=-1",), (("projects", -1.0),)),  # and -1, likewise
    ],
)  # fmt: skip
def test_command_line_options_give_their_values(parse, given, expected):
    assert parse(given) == expected


@pytest.mark.parametrize(
    ("parse", "given", "message"),
    [
        (plan_input.source_list, "", "use some of households,projects,groups,villages"),
        (plan_input.source_list, "households,wells",
         "use some of households,projects,groups,villages"),
        (plan_input.quota_pairs, ("households",),
         "'households': write SOURCE=N, e.g. households=20, with SOURCE one of "
         "households,projects,groups,villages"),
        (plan_input.quota_pairs, ("groups=1.5",),
         "'groups=1.5': write SOURCE=N, e.g. households=20, with SOURCE one of "
         "households,projects,groups,villages"),
        (plan_input.weight_pairs, ("households",),
         "'households': write SOURCE=X, e.g. households=2 or projects=0.5, with SOURCE one of "
         "households,projects,groups,villages"),
    ],
)  # fmt: skip
def test_command_line_options_are_refused_with_the_syntax(parse, given, message):
    with pytest.raises(BadInput) as refused:
        parse(given)
    assert refused.value.message == message
