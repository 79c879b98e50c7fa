"""A portal field's help text is the one its control names in aria-describedby (read to a screen reader)."""

import re
from typing import Any

from django.test import Client

from tests.conftest import Cast


def test_every_aria_describedby_of_the_case_page_names_an_element_on_it(cast: Cast, client: Client) -> None:
    case = cast.listed_case()
    client.force_login(cast.subject_user)
    page = client.get(f"/portal/cases/{case.pk}/").content.decode()
    described = set(re.findall(r'aria-describedby="([^"]+)"', page))
    assert "id_objection_evidence_helptext" in described
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    missing = {name for names in described for name in names.split() if name not in ids}
    assert not missing, f"aria-describedby names no element: {sorted(missing)}"


def test_the_help_text_is_rendered_once_per_field(cast: Cast, client: Any) -> None:
    case = cast.listed_case()
    client.force_login(cast.subject_user)
    page = client.get(f"/portal/cases/{case.pk}/").content.decode()
    assert page.count('id="id_objection_evidence_helptext"') == 1
