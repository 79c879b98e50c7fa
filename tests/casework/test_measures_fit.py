"""A case's measures rest on its own legal bases and apply to its list type (Measure.misfit).

Issue 12 item 6: measures chosen by hand used to skip the check the catalogue's own selection
makes, so a food case could be given wage-arrears or work-safety measures.
"""

from datetime import date
from typing import Any

import pytest
from django.utils import translation

from casework import services
from casework.choices import LegalBasisKind, ListType
from casework.demo.cases import CASES
from casework.demo.catalogue import LEGAL_BASES, MEASURES
from casework.exceptions import PayloadInvalid
from casework.models import Case, LegalBasis, Measure, MeasureTask
from casework.services.effects import measures_for
from tests.conftest import Cast
from workflows.guards import RuleRefused


def wages_measure(cast: Cast) -> Measure:
    wages = LegalBasis.objects.create(
        kind=LegalBasisKind.ADMINISTRATIVE_REGULATION, title="保障农民工工资支付条例", article="第四十八条",
        allows_serious_list=True, active_from=date(2020, 5, 1))
    return Measure.objects.create(code="limit-subsidies", title="限制获得政府资金补助", legal_basis=wages,
                                  department=cast.joint)


def test_a_measure_resting_on_a_basis_the_case_does_not_cite_is_refused_at_opening_naming_it(
    cast: Cast,
) -> None:
    foreign = wages_measure(cast)
    with translation.override("en"), pytest.raises(PayloadInvalid) as refused:
        cast.open_case(measures=[cast.measure, foreign])
    [reason] = refused.value.errors["measures"]
    assert "限制获得政府资金补助" in reason and "limit-subsidies" in reason
    assert "保障农民工工资支付条例 第四十八条" in reason and "does not cite" in reason
    assert not Case.objects.exists()


def test_a_measure_that_does_not_apply_to_the_case_list_type_is_refused_at_opening(cast: Cast) -> None:
    assert cast.measure.list_types == ListType.SERIOUS
    with translation.override("en"), pytest.raises(PayloadInvalid) as refused:
        cast.open_case(list_type=ListType.FOCUS, measures=[cast.measure])
    [reason] = refused.value.errors["measures"]
    assert "限制参与政府投资项目招标投标" in reason and "Key attention list" in reason
    assert not Case.objects.exists()


def test_the_refusal_is_worded_in_chinese_for_a_chinese_reader(cast: Cast) -> None:
    foreign = wages_measure(cast)
    with translation.override("zh-hans"), pytest.raises(PayloadInvalid) as refused:
        cast.open_case(measures=[foreign])
    [reason] = refused.value.errors["measures"]
    assert "限制获得政府资金补助" in reason and "本案" in reason


def test_a_fitting_measure_is_pushed_on_listing(cast: Cast) -> None:
    case = cast.listed_case(measures=[cast.measure])
    assert list(case.measuretasks.values_list("measure__code", flat=True)) == ["limit-bidding"]


def test_measures_for_refuses_a_chosen_measure_that_no_longer_fits_and_nothing_is_pushed(
    cast: Cast,
) -> None:
    """The same rule at listing: a measure moved to another basis after the case was opened."""
    case = cast.notified_case(measures=[cast.measure])
    Measure.objects.filter(pk=cast.measure.pk).update(legal_basis=wages_measure(cast).legal_basis)
    with pytest.raises(RuleRefused) as refused:
        measures_for(case)
    assert refused.value.code == "measure_not_fitting"
    with pytest.raises(RuleRefused):
        services.advance(case, "determine", cast.reviewer)
    assert not MeasureTask.objects.exists()


def test_the_catalogue_selection_takes_only_fitting_measures(cast: Cast) -> None:
    wages_measure(cast)  # another basis: never taken for a case citing only cast.basis
    focus_too = Measure.objects.create(code="key-supervision", title="列为重点监管对象增加检查频次",
                                       legal_basis=cast.basis, department=cast.joint,
                                       list_types="serious,focus")
    serious = cast.open_case()
    focus = cast.open_case(list_type=ListType.FOCUS)
    assert sorted(m.code for m in measures_for(serious)) == ["key-supervision", "limit-bidding"]
    assert [m.code for m in measures_for(focus)] == [focus_too.code]


# --- the demo city: every case's measures fit it -------------------------------------------


def _demo_misfits() -> list[tuple[str, str]]:
    bases: dict[str, Any] = {spec.key: spec for spec in LEGAL_BASES}
    measures = {spec.code: spec for spec in MEASURES}
    found = []
    for case in CASES:
        for code in case.measures:
            measure = measures[code]
            if measure.basis not in case.bases or case.list_type not in measure.list_types.split(","):
                found.append((case.facts, code))
        assert any(getattr(bases[key], case.list_type) for key in case.bases), case.facts
    return found


def test_no_demo_case_is_given_a_measure_its_bases_or_list_do_not_support() -> None:
    assert _demo_misfits() == []


def test_no_demo_food_or_tax_case_carries_wage_arrears_or_work_safety_measures() -> None:
    measures = {spec.code: spec for spec in MEASURES}
    for case in CASES:
        if {"wages", "wages-list", "safety", "safety-list"} & set(case.bases):
            continue
        assert {measures[code].basis for code in case.measures} & {"wages", "safety"} == set(), case.facts


# --- the catalogue: every basis shows an article --------------------------------------------


def test_a_basis_without_an_article_says_its_article_was_not_verified(db: Any) -> None:
    liaoning = LegalBasis.objects.create(kind=LegalBasisKind.LOCAL_REGULATION, title="辽宁省社会信用条例",
                                         allows_focus_list=True, active_from=date(2022, 1, 1))
    with translation.override("zh-hans"):
        assert liaoning.article_text == "（条号未核实：尚未取得该规定条文原文）"
        assert str(liaoning) == "辽宁省社会信用条例 （条号未核实：尚未取得该规定条文原文）"
    with translation.override("en"):
        assert "not verified" in liaoning.article_text
    cited = LegalBasis.objects.create(kind=LegalBasisKind.LAW, title="中华人民共和国产品质量法",
                                      article="第五十条", active_from=date(2018, 12, 29))
    assert cited.article_text == "第五十条"


def test_every_demo_basis_cites_an_article_unless_its_text_was_not_obtained() -> None:
    assert [spec.key for spec in LEGAL_BASES if not spec.article] == ["liaoning"]


def test_the_demo_cites_the_rule_creating_each_serious_list_with_its_order_number() -> None:
    titles = {spec.key: spec.title for spec in LEGAL_BASES}
    assert "国家市场监督管理总局令第44号" in titles["samr-list"]
    assert "国家税务总局令第54号" in titles["tax-list"]
    assert "人力资源社会保障部令第45号" in titles["wages-list"]
    assert "应急管理部令第11号" in titles["safety-list"]
    serious_cases = [case for case in CASES if case.list_type == ListType.SERIOUS and case.measures]
    assert serious_cases and all({"samr-list", "tax-list"} & set(case.bases) for case in serious_cases)


def test_the_list_rules_cite_the_articles_and_dates_checked_against_their_texts() -> None:
    """docs/traceability.md, "Citations checked": each list-creating rule's article and the day
    it came into force, as read in a copy of the rule (the source addresses are listed there)."""
    cited = {spec.key: (spec.article, spec.active_from) for spec in LEGAL_BASES}
    assert cited["samr-list"] == ("第二条", date(2021, 9, 1))
    assert cited["tax-list"] == ("第六条", date(2022, 2, 1))
    assert cited["wages-list"] == ("第五条", date(2022, 1, 1))
    # Only 第一条 to 第五条 of 应急管理部令第11号 were read: its article on what the list is.
    assert cited["safety-list"] == ("第三条", date(2023, 10, 1))
