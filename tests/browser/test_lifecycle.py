"""The lifecycle in a real browser: open, notify, waive, determine, acknowledge — and who sees what."""

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from casework.models import Case, MeasureTask
from tests.browser.harness import check_page
from tests.conftest import Cast
from workflows.models import Deadline


def confirm_transition(page: Any, name: str) -> None:
    page.click(f"[data-wb-transition='{name}']")
    page.click("[data-wb-transition-form] button[type=submit]")
    page.wait_for_load_state()


def test_a_case_from_opening_to_a_joint_departments_acknowledgement(
        cast: Cast, visit: Callable[..., Any]) -> None:
    officer = visit("officer")
    expect(officer.page).to_have_url(f"{officer.base}/inbox/")
    check_page(officer.page, "01-officer-inbox")

    page = officer.go("/cases/new/?list_type=serious")
    page.select_option("#id_subject", str(cast.subject.pk))
    page.select_option("#id_dishonesty_class", "serious")
    page.check(f"input[name=legal_bases][value='{cast.basis.pk}']")
    page.fill("#id_facts", "拒不履行法院判决确定的义务")
    check_page(page, "02-officer-open-case")
    page.click("[data-wb-open-case] button[type=submit]")
    page.wait_for_load_state()
    case = Case.objects.get(subject=cast.subject)
    expect(page).to_have_url(f"{officer.base}/cases/{case.pk}/")
    check_page(page, "03-officer-draft-case")
    confirm_transition(page, "notify")
    expect(page.locator("[data-wb-case-state]")).to_have_attribute("data-wb-case-state", "notified")
    officer.watch.assert_clean()

    # The subject's own pages are the portal's; the case page shows it the same case and buttons.
    subject = visit("subject", then=f"/cases/{case.pk}/")
    page = subject.page
    confirm_transition(page, "waive_statement")
    check_page(page, "04-subject-after-waiver")
    subject.watch.assert_clean()

    reviewer = visit("reviewer")
    expect(reviewer.page.locator("[data-wb-queue='determine']")).to_contain_text(case.number)
    check_page(reviewer.page, "05-reviewer-inbox-queue")
    page = reviewer.go(f"/cases/{case.pk}/")
    confirm_transition(page, "determine")
    expect(page.locator("[data-wb-case-state]")).to_have_attribute("data-wb-case-state", "listed")
    expect(page.locator("[data-wb-listing]")).to_be_visible()
    task = MeasureTask.objects.get(case=case)
    expect(page.locator(f"[data-wb-step='measuretask-{task.pk}']")).to_contain_text(cast.joint.name)
    expect(page.locator("[data-wb-clock='measure_acknowledge']")).to_be_visible()
    check_page(page, "06-reviewer-listed-case")
    reviewer.watch.assert_clean()

    joint = visit("joint_officer")
    expect(joint.page).to_have_url(f"{joint.base}/tasks/")
    check_page(joint.page, "07-joint-tasks")
    joint.page.click(f"[data-wb-task='{task.pk}'] [data-wb-transition='acknowledge']")
    joint.page.click("[data-wb-transition-form] button[type=submit]")
    joint.page.wait_for_load_state()
    assert MeasureTask.objects.get(pk=task.pk).state == "acknowledged"
    assert not Deadline.objects.open().filter(target_id=task.pk, step="measure_acknowledge").exists()
    joint.watch.assert_clean()

    other = visit("other_officer")
    assert other.status_of(f"/cases/{case.pk}/") == 404
    for listing in ("/cases/", "/inbox/"):
        expect(other.go(listing).locator("main")).not_to_contain_text(case.number)
    other.watch.assert_clean()


def test_a_notifications_link_opens_its_case_page(cast: Cast, visit: Callable[..., Any]) -> None:
    case = cast.notified_case()
    officer = visit("officer")
    page = officer.go("/messages/")
    check_page(page, "08-officer-messages")
    link = page.locator("[data-wb-message] a").first
    link.click()
    page.wait_for_load_state()
    expect(page).to_have_url(f"{officer.base}/cases/{case.pk}/")
    expect(page.locator("h1")).to_contain_text(case.number)
    officer.watch.assert_clean()


def test_a_bad_value_is_shown_next_to_its_field_and_nothing_is_written(
        cast: Cast, visit: Callable[..., Any]) -> None:
    case = cast.listed_case()
    officer = visit("officer")
    page = officer.go(f"/cases/{case.pk}/new/rectification/")
    page.fill("#id_requirements", "停止违法行为并整改")
    page.fill("#id_period_working_days", "0")
    page.click("[data-wb-step-form] button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("[data-wb-field='period_working_days'] .wb-field__error")).to_be_visible()
    check_page(page, "09-officer-bad-value")
    assert case.rectifications.count() == 0
    # The refused form is answered 422 on purpose; chromium logs that answer as a console error.
    officer.watch.problems = [line for line in officer.watch.problems if "status of 422" not in line]
    officer.watch.assert_clean()
