"""The subject portal and the public credit pages in a real browser (docs/portal.md).

A subject signs in, receives its notice by opening it (送达 in the portal), sees the statement
deadline with its working-day countdown and rule, submits a statement with evidence; on a listed
case it files an objection with a PDF, which the public record and the credit check then label
"异议处理中" until the department dismisses it; it hands in rectification evidence; an early
repair application is refused at filing with its date and writes nothing; another subject gets
404 for all of it. Every page passes labels, keyboard and axe-core at 390 px and at desktop width.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from casework import services
from casework.models import Case, Objection, Rectification, RepairApplication, Statement
from documents.models import Document
from tests.browser.harness import check_page
from tests.casework.refusals import nothing_written
from tests.conftest import Cast

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def check_both_widths(page: Page, name: str) -> None:
    """The checks at a phone's width, then at desktop width; nothing may scroll sideways on the phone."""
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: the page is {overflow} px wider than a 390 px phone"
    check_page(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)
    check_page(page, f"{name}-desktop")


def evidence_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "证据.pdf"
    path.write_bytes(b"%PDF-1.4\n% evidence\n")
    return path


def credit_label(checker: Any, identifier: str) -> str:
    response = checker.context.request.get(f"{checker.base}/api/v1/credit-check/{identifier}/")
    assert response.status == 200
    return str(response.json()["entries"][0]["label"])


def submit(page: Page, form: str) -> None:
    page.click(f"#{form}-form button[type=submit]")
    page.wait_for_load_state()


def test_a_subject_receives_its_notice_sees_the_countdown_and_submits_a_statement(
        cast: Cast, visit: Callable[..., Any], settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    notice = Document.objects.filter(case=case).order_by("pk").first()
    assert notice is not None

    subject = visit("subject")
    page = subject.page
    expect(page).to_have_url(f"{subject.base}/portal/")
    expect(page.locator("main")).to_contain_text(case.number)
    # Until the notice is served the clock waits: no date, a "starts when you open it" badge.
    expect(page.locator(".todo")).to_contain_text("自打开告知书（送达）后起算")
    check_both_widths(page, "portal-01-home-before-service")

    # Opening the PDF is the portal's read receipt: the window runs from the day after.
    response = subject.context.request.get(f"{subject.base}/documents/{notice.pk}/")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    case.refresh_from_db()
    assert case.statement_due_on is not None

    page = subject.go(f"/portal/cases/{case.pk}/")
    todo = page.locator(".todo").first
    expect(todo).to_contain_text(case.statement_due_on.isoformat())
    expect(todo).to_contain_text("个工作日")
    todo.locator("summary").click()
    expect(todo.locator(".rule p")).to_contain_text("国办发〔2020〕49号")
    expect(page.locator("#documents-title + .docs")).to_contain_text("送达")
    check_both_widths(page, "portal-02-case-statement-window")

    page.set_viewport_size(PHONE)
    page.fill("#statement-form textarea[name=text]", "我公司已于判决后履行部分义务，请予考虑。")
    page.set_input_files("#statement-form input[name=evidence]", str(evidence_pdf(tmp_path)))
    submit(page, "statement")
    expect(page.locator(".flash")).to_contain_text("陈述申辩已提交")
    statement = Statement.objects.get(case=case)
    assert statement.text.startswith("我公司")
    assert case.evidence.get().original_name == "证据.pdf"
    check_page(page, "portal-03-statement-submitted-390")

    # The same page in English (the demo's second language), by the header's switch.
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text(f"Case {case.number}")
    expect(page.locator("#statement-title")).to_contain_text("Statement and defence")
    check_page(page, "portal-03b-statement-submitted-390-en")
    subject.watch.assert_clean()


def test_an_objection_with_a_pdf_labels_the_public_record_and_the_credit_check_until_dismissed(
        cast: Cast, visit: Callable[..., Any], browser: Any, site: str, settings: Any,
        tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = cast.listed_case()
    subject = visit("subject")
    page = subject.go(f"/portal/cases/{case.pk}/")
    check_both_widths(page, "portal-04-listed-case")
    page.set_viewport_size(PHONE)
    page.fill("#objection-form textarea[name=grounds]", "认定所依据的判决已被撤销，事实有误。")
    page.set_input_files("#objection-form input[name=evidence]", str(evidence_pdf(tmp_path)))
    submit(page, "objection")
    expect(page.locator(".flash")).to_contain_text("异议已提交")
    objection = Objection.objects.get(case=case)
    assert case.evidence.get().original_name == "证据.pdf"
    expect(page.locator(".stage").first).to_contain_text("异议正在处理")
    subject.watch.assert_clean()

    # The credit check (a joint department's, over the live server's API) says the same.
    checker = visit("joint_officer")
    # The public pages need no sign-in.
    public = browser.new_context(locale="zh-CN", viewport=PHONE)
    try:
        page = public.new_page()
        page.goto(f"{site}/public/")
        page.fill("#q", cast.subject.name)
        page.click("form.search button[type=submit]")
        page.wait_for_load_state()
        record = page.locator(f"[data-public-record='{case.number}']")
        expect(record.locator("[data-public-label]")).to_have_text("异议处理中")
        check_both_widths(page, "public-01-list-objection-open")
        assert credit_label(checker, cast.subject.identifier) == "异议处理中"

        record.locator("h2 a").click()
        page.wait_for_load_state()
        expect(page.locator("h1")).to_contain_text(cast.subject.name)
        expect(page.locator("[data-public-label]")).to_have_text("异议处理中")
        expect(page.locator("main")).to_contain_text(cast.basis.title)
        check_both_widths(page, "public-02-record-objection-open")

        services.advance(objection, "accept", cast.officer)
        services.advance(Objection.objects.get(pk=objection.pk), "dismiss", cast.reviewer,
                         {"reason": "认定事实清楚，证据确凿"})
        page.reload()
        expect(page.locator("h1")).to_contain_text(cast.subject.name)
        expect(page.locator("[data-public-label]")).to_have_count(0)
        assert credit_label(checker, cast.subject.identifier) == ""
        page.goto(f"{site}/public/?q={cast.subject.identifier}")
        expect(page.locator(f"[data-public-record='{case.number}'] [data-public-label]")).to_have_count(0)
    finally:
        public.close()


def test_rectification_evidence_and_an_early_repair_refused_at_filing_with_its_date(
        cast: Cast, visit: Callable[..., Any], settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = cast.listed_case()
    # Two open orders: each has its own evidence form, with its own ids and labels.
    first = services.order_rectification(case, cast.officer, "停止违法行为")
    rectification = services.order_rectification(case, cast.officer, "提交整改报告")
    cast.served(first)
    cast.served(rectification)
    subject = visit("subject")
    page = subject.go(f"/portal/cases/{case.pk}/")
    expect(page.locator("#rectification-title")).to_be_visible()
    expect(page.locator("form[id^=rectification-]")).to_have_count(2)
    check_both_widths(page, "portal-05a-two-rectification-orders")
    page.set_viewport_size(PHONE)
    form = f"rectification-{rectification.pk}"
    page.fill(f"#{form}-form textarea[name=note]", "整改报告见附件。")
    page.set_input_files(f"#{form}-form input[name=evidence]", str(evidence_pdf(tmp_path)))
    submit(page, form)
    expect(page.locator(".flash")).to_contain_text("整改材料已提交")
    assert Rectification.objects.get(pk=rectification.pk).state == "submitted"
    assert Rectification.objects.get(pk=first.pk).state != "submitted"

    case.refresh_from_db()
    assert case.publication_min_until is not None
    page.check("#repair-form input[name=commitment_letter]")
    page.fill("#repair-form textarea[name=rectification_proof]", "整改报告")
    with nothing_written(case):
        submit(page, "repair")
    refusal = page.locator("#repair-refusal")
    expect(refusal).to_contain_text(f"自 {case.publication_min_until.isoformat()} 起方可申请信用修复")
    assert not RepairApplication.objects.exists()
    check_both_widths(page, "portal-05b-repair-refused")
    subject.watch.assert_clean()


def test_another_subject_can_neither_see_nor_download_anything_of_the_first(
        cast: Cast, visit: Callable[..., Any]) -> None:
    case = cast.listed_case()
    document = Document.objects.filter(case=case).first()
    assert document is not None
    other = visit("other_subject")
    expect(other.page).to_have_url(f"{other.base}/portal/")
    expect(other.page.locator("main")).not_to_contain_text(case.number)
    check_both_widths(other.page, "portal-06-other-subject-home")
    assert other.status_of(f"/portal/cases/{case.pk}/") == 404
    assert other.status_of(f"/documents/{document.pk}/") == 404
    assert Case.objects.get(pk=case.pk).state == "listed"
    other.watch.assert_clean()


def test_an_exited_subject_objects_that_it_was_wrongly_listed_before_the_end_of_the_window(
        cast: Cast, visit: Callable[..., Any], settings: Any, tmp_path: Path) -> None:
    """Plan item 14 (鞍政办发〔2020〕18号 第十四项): after the exit the case page offers one objection,
    that the listing was wrong, with the last day of its window (policy row objection_after_exit)."""
    settings.MEDIA_ROOT = tmp_path
    case = cast.listed_case()
    services.advance(case, "exit", cast.reviewer, {"reason": "revoked", "grounds": "认定依据不足"})
    case.refresh_from_db()
    until = case.wrong_listing_objection_until()
    assert until is not None

    subject = visit("subject")
    page = subject.go(f"/portal/cases/{case.pk}/")
    section = page.locator("section[aria-labelledby=objection-title]")
    expect(section.locator("h2")).to_have_text("异议")
    window = section.locator("[data-wrong-listing-until]")
    expect(window).to_have_attribute("data-wrong-listing-until", until.isoformat())
    expect(window.locator("strong")).to_have_text(until.isoformat())
    expect(window).to_contain_text("错误列入名单")
    # The one kind an exited case takes, preset; the labels in Chinese.
    kind = page.locator("#id_objection_kind")
    expect(kind.locator("option")).to_have_count(1)
    expect(kind).to_have_value("wrongful_listing")
    expect(page.locator("label[for=id_objection_kind]")).to_contain_text("异议对象")
    expect(page.locator("label[for=id_objection_grounds]")).to_contain_text("异议理由")
    expect(section.locator("button[type=submit]")).to_have_text("提出异议")
    check_both_widths(page, "portal-07-exited-case-wrong-listing-objection")

    page.set_viewport_size(PHONE)
    grounds = "列入名单所依据的检查记录系他人企业，错误列入造成投标资格被取消。"
    page.fill("#objection-form textarea[name=grounds]", grounds)
    page.set_input_files("#objection-form input[name=evidence]", str(evidence_pdf(tmp_path)))
    submit(page, "objection")
    expect(page.locator(".flash")).to_contain_text("异议已提交")
    objection = Objection.objects.get(case=case)
    assert (objection.kind, objection.state) == ("wrongful_listing", "filed")
    assert case.evidence.get().original_name == "证据.pdf"
    expect(section.locator(".step")).to_contain_text(grounds)
    # While it is decided the page offers no second one; the ended publication's dates are gone.
    expect(section.locator("form")).to_have_count(0)
    expect(page.locator(".facts")).not_to_contain_text("最早可申请信用修复日期")
    check_page(page, "portal-08-wrong-listing-objection-filed-390")
    subject.watch.assert_clean()
