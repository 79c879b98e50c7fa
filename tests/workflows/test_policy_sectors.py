"""The sector / legal-basis axis of the SLA policies (issue 12, item 5).

国家发展改革委令第58号 gives the administrative penalty information of five fields a one-year
minimum publication; a legal basis may set its own listing validity (LegalBasis.listing_years);
the most specific row in force wins; the per-process cache never hands one case's row to
another jurisdiction, provincial layer or sector.
"""

from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from casework import services
from casework.choices import LegalBasisKind
from casework.models import Case, LegalBasis
from tests.conftest import Cast
from workflows.choices import Sector, Step, TimelineKind
from workflows.models import Deadline, Policy
from workflows.services import Context


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


def clock(case: Case, step: str) -> Deadline:
    return Deadline.objects.get(case=case, step=step, closed_at__isnull=True)


def basis(sector: str = Sector.SPECIAL_EQUIPMENT, **fields: object) -> LegalBasis:
    return LegalBasis.objects.create(**{
        "kind": LegalBasisKind.LAW, "title": "中华人民共和国特种设备安全法", "article": "第八十四条",
        "allows_serious_list": True, "allows_focus_list": True, "active_from": date(2014, 1, 1),
        "sector": sector, **fields,
    })


def listed(cast: Cast, day: date, **overrides: object) -> Case:
    with time_machine.travel(at(day), tick=False):
        case = cast.listed_case(**overrides)
    case.refresh_from_db()
    return case


def copy_of(row: Policy, **changes: object) -> Policy:
    fields = {field.name: getattr(row, field.name) for field in Policy._meta.concrete_fields
              if field.name != "id"}
    return Policy.objects.create(**{**fields, **changes})


def test_a_special_equipment_case_is_published_a_year_before_it_can_be_repaired(cast: Cast) -> None:
    case = listed(cast, date(2024, 6, 3), dishonesty_class="general", legal_bases=[basis()])
    assert case.publication_min_until == date(2025, 6, 3)
    row = clock(case, Step.PUBLICATION_MIN).policy
    assert row.sector == Sector.SPECIAL_EQUIPMENT and row.length == 12 and row.confidence == "B"
    assert "国家发展改革委令第58号" in row.source and "特种设备" in row.source
    assert "条号未核实" in row.source  # the article was not in the text obtained: said so


@pytest.mark.parametrize("sector", [Sector.FOOD, Sector.DRUG, Sector.WORK_SAFETY, Sector.FIRE_SAFETY])
def test_each_field_of_the_58_rule_has_the_one_year_minimum(cast: Cast, sector: str) -> None:
    case = listed(cast, date(2024, 6, 3), legal_bases=[basis(sector, title=f"{sector}法")])
    assert case.publication_min_until == date(2025, 6, 3)
    assert clock(case, Step.PUBLICATION_MIN).policy.sector == sector


def test_a_plain_case_keeps_the_default_minimum(cast: Cast) -> None:
    case = listed(cast, date(2024, 6, 3), dishonesty_class="general")
    assert not any(basis.sector for basis in case.legal_bases.all())
    assert case.publication_min_until == date(2024, 9, 3)  # 3 months, 第58号令
    assert clock(case, Step.PUBLICATION_MIN).policy.sector == ""


def test_in_the_transition_a_minor_sector_record_keeps_the_periods_of_22(cast: Cast) -> None:
    special = basis()
    minor = listed(cast, date(2025, 9, 1), dishonesty_class="minor", legal_bases=[special])
    general = listed(cast, date(2025, 9, 1), dishonesty_class="general", legal_bases=[special])
    # Minor: at most 3 months under 22号; a one-year minimum would outlast its maximum.
    assert (minor.publication_min_until, minor.listed_until) == (date(2025, 9, 1), date(2025, 12, 1))
    assert clock(minor, Step.PUBLICATION_MIN).policy.sector == ""
    assert general.publication_min_until == date(2026, 9, 1)
    assert "过渡期" in clock(general, Step.PUBLICATION_MIN).policy.source


def test_from_the_2026_rules_a_sector_case_takes_the_class_rows(cast: Cast) -> None:
    case = listed(cast, date(2026, 5, 6), dishonesty_class="general", legal_bases=[basis()])
    assert case.publication_min_until == date(2026, 8, 6)
    row = clock(case, Step.PUBLICATION_MIN).policy
    assert row.sector == "" and "第36号" in row.source


def test_the_most_specific_row_in_force_wins(cast: Cast) -> None:
    special = basis()
    with time_machine.travel(at(date(2024, 6, 3)), tick=False):
        case = cast.open_case(dishonesty_class="general", legal_bases=[special])
    day = date(2024, 6, 3)

    def winner() -> Policy:
        return Context(case).policy(Step.PUBLICATION_MIN, day)

    national = Policy.objects.get(step=Step.PUBLICATION_MIN, sector="", jurisdiction="",
                                  dishonesty_class="", effective_from=date(2023, 5, 1))
    sector = winner()
    assert sector.sector == Sector.SPECIAL_EQUIPMENT and sector.jurisdiction == ""
    # A provincial row without a sector does not displace the field's rule...
    copy_of(national, jurisdiction="辽宁", length=6, source="测试：省级一般规则")
    assert winner() == sector
    # ...a provincial row for the field does; a row for the case's own basis beats both.
    provincial_sector = copy_of(sector, jurisdiction="辽宁", length=9, source="测试：省级领域规则")
    assert winner() == provincial_sector
    own = copy_of(national, legal_basis=special, length=2, source="测试：认定依据自身规则")
    assert winner() == own
    # A row for another basis, or another sector, is not in the running.
    copy_of(national, legal_basis=cast.basis, length=1, source="测试：其他认定依据")
    copy_of(sector, sector=Sector.FIRE_SAFETY, jurisdiction="辽宁", length=1,
            effective_from=date(2024, 1, 1), source="测试：其他领域")
    assert winner() == own


def test_two_fields_on_one_case_take_the_longer_minimum(cast: Cast) -> None:
    special, fire = basis(), basis(Sector.FIRE_SAFETY, title="中华人民共和国消防法")
    fire_row = Policy.objects.get(step=Step.PUBLICATION_MIN, sector=Sector.FIRE_SAFETY,
                                  effective_from=date(2023, 5, 1))
    fire_row.length = 18
    fire_row.save()
    case = listed(cast, date(2024, 6, 3), legal_bases=[special, fire])
    assert case.publication_min_until == date(2025, 12, 3)
    assert clock(case, Step.PUBLICATION_MIN).policy == fire_row


def test_a_basis_that_sets_its_listing_validity_ends_the_listing(cast: Cast) -> None:
    five_years = basis(listing_years=5, sector="", title="某法律")
    case = listed(cast, date(2024, 6, 3), legal_bases=[five_years])
    assert case.listed_until == date(2029, 6, 3)  # the 2023 rules alone: 3 years
    maximum = clock(case, Step.PUBLICATION_MAX)
    assert maximum.length == 60 and maximum.policy.sector == ""
    opened = maximum.events.get(kind=TimelineKind.OPENED)
    assert opened.detail["listing_basis"] == five_years.pk and "5年" in opened.detail["listing_source"]


def test_of_several_bases_setting_a_validity_the_shortest_applies(cast: Cast) -> None:
    bases = [basis(listing_years=5, sector="", title="甲法"), basis(listing_years=2, sector="", title="乙法")]
    case = listed(cast, date(2024, 6, 3), legal_bases=bases)
    assert case.listed_until == date(2026, 6, 3)


def test_a_basis_validity_survives_a_recompute_of_the_publication_clock(cast: Cast) -> None:
    from django.core.management import call_command

    case = listed(cast, date(2024, 6, 3), legal_bases=[basis(listing_years=5, sector="")])
    with time_machine.travel(at(date(2026, 5, 6)), tick=False):  # a lighter rule set in force
        call_command("sla_recompute", stdout=StringIO())
    case.refresh_from_db()
    assert case.listed_until == date(2029, 6, 3)


def test_the_policy_cache_keeps_provincial_layers_apart(cast: Cast) -> None:
    case = cast.listed_case()
    today = timezone.localdate()
    with override_settings(CASEWORK_PROVINCE="辽宁"):
        assert Context(case).policy(Step.OBJECTION_ACCEPT, today).jurisdiction == "辽宁"
    with override_settings(CASEWORK_PROVINCE=""):
        assert Context(case).policy(Step.OBJECTION_ACCEPT, today).jurisdiction == ""


def test_the_policy_cache_keeps_jurisdictions_and_sectors_apart(cast: Cast) -> None:
    province = Policy.objects.get(step=Step.OBJECTION_ACCEPT, jurisdiction="辽宁")
    local = copy_of(province, jurisdiction="anshan-test", length=1, source="测试：本地规则")
    cast.other.jurisdiction = "anshan-test"
    cast.other.save()
    here = cast.open_case()
    there = services.open_case(cast.other_officer, subject=cast.subject, list_type="serious",
                               dishonesty_class="serious", legal_bases=[cast.basis], facts="测试")
    special = cast.open_case(legal_bases=[basis()])
    today = date(2024, 6, 3)
    for _ in range(2):  # the second round is served from the cache
        assert Context(here).policy(Step.OBJECTION_ACCEPT, today) == province
        assert Context(there).policy(Step.OBJECTION_ACCEPT, today) == local
        assert Context(here).policy(Step.PUBLICATION_MIN, today).sector == ""
        assert Context(special).policy(Step.PUBLICATION_MIN, today).sector == Sector.SPECIAL_EQUIPMENT


def test_a_sector_record_on_display_takes_the_lighter_2026_class_row_when_recomputed(cast: Cast) -> None:
    from django.core.management import call_command

    case = listed(cast, date(2024, 6, 3), dishonesty_class="general", legal_bases=[basis()])
    assert case.publication_min_until == date(2025, 6, 3)
    with time_machine.travel(at(date(2025, 1, 6)), tick=False):  # before 2026: nothing lighter
        call_command("sla_recompute", stdout=StringIO())
    case.refresh_from_db()
    assert case.publication_min_until == date(2025, 6, 3)
    with time_machine.travel(at(date(2026, 5, 6)), tick=False):
        call_command("sla_recompute", stdout=StringIO())
    case.refresh_from_db()
    assert case.publication_min_until == date(2024, 9, 3)  # 3 months: the 2026 general row
    assert clock(case, Step.PUBLICATION_MIN).policy.sector == ""


@pytest.mark.parametrize("batched", [True, False], ids=["batch_door", "per_case"])
def test_an_imported_list_takes_the_sector_minimum_and_the_basis_validity(
    cast: Cast, tmp_path: Path, batched: bool
) -> None:
    from lists.services import import_list
    from tests.lists.files import good_row, write_csv

    LegalBasis.objects.filter(pk=cast.basis.pk).update(sector=Sector.FOOD, listing_years=5)
    path = write_csv(tmp_path / "list.csv", [good_row(cast, 1, decided_on="2024-06-03")])
    import_list(path, cast.officer, batched=batched)
    case = Case.objects.get()
    assert (case.publication_min_until, case.listed_until) == (date(2025, 6, 3), date(2029, 6, 3))
    assert clock(case, Step.PUBLICATION_MIN).policy.sector == Sector.FOOD
