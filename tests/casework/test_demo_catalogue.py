"""The demo catalogue: who determines in the demo city."""

import re

from casework.choices import DepartmentKind, DepartmentLevel
from casework.demo.catalogue import DEPARTMENTS

GOVERNMENT = re.compile(r"(县|区|旗|管委会|人民政府|政府)$|^[^局委办关]*市$")


def test_no_county_government_or_development_zone_is_a_determining_department() -> None:
    determining = [spec for spec in DEPARTMENTS if spec.kind == DepartmentKind.DETERMINING]
    assert [spec.name for spec in determining if GOVERNMENT.search(spec.name)] == []
    county = [spec for spec in determining if spec.level == DepartmentLevel.COUNTY]
    assert county and all(spec.name.endswith("局") for spec in county)
