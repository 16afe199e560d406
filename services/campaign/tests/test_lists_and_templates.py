"""CSV contact lists and script templates."""

import pytest

from switchboard.campaign.domain.csv_import import MissingPhoneColumn, import_contacts
from switchboard.campaign.domain.templates import render, template_problems

CSV = """phone,name,time_zone
020 7183 8750,Ann,
+44 20 7183 8750,Ann again,
not a number,Bob,
,Carol,
+8613800138000,Li,Asia/Shanghai
"""


def test_csv_rows_are_normalized_deduplicated_and_rejections_reported_by_line() -> None:
    report = import_contacts(CSV, default_region="GB")
    assert [row.phone_e164 for row in report.accepted] == ["+442071838750", "+8613800138000"]
    assert report.accepted[1].fields == {"name": "Li", "time_zone": "Asia/Shanghai"}
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "phone: duplicate of line 2"),
        (4, "phone: not a valid number"),
        (5, "phone: empty"),
    ]


def test_csv_without_a_phone_column_is_refused() -> None:
    with pytest.raises(MissingPhoneColumn):
        import_contacts("name\nAnn\n", default_region="GB")


def test_template_with_an_undefined_variable_is_named() -> None:
    assert template_problems("Hello $name, about ${order}", ["name"]) == [
        "template: undefined variable 'order'"
    ]
    assert template_problems("Hello $name", ["name"]) == []
    assert template_problems("Costs $5", ["name"]) != []


def test_rendering_never_evaluates_values() -> None:
    assert render("Hi $name", {"name": "${secret} {0.__class__}"}) == "Hi ${secret} {0.__class__}"
