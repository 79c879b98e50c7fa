"""Every kind of page loads under the production Content-Security-Policy with no violation (issue 14.1).

The policy is the one production sends (``CONTENT_SECURITY_POLICY``, the same in every mode); each
page is opened in chromium with a ``securitypolicyviolation`` listener installed before any of its
scripts runs, and the console is watched for "Refused to …" reports too. Staff pages (workbench,
the leadership office's pages, the admin), the subject portal and the public pages.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings

from casework import services
from casework.choices import Role
from casework.models import Case, User
from tests.conftest import Cast

# Installed in every new document before its own scripts: violations are kept on window.
LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`);
});
"""


def production_policy() -> str:
    policy = settings.CONTENT_SECURITY_POLICY
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


def violations_on(visitor: Any, path: str) -> list[str]:
    response = visitor.page.goto(visitor.base + path)
    assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
    assert response.headers["content-security-policy"] == production_policy(), path
    visitor.page.wait_for_load_state("networkidle")
    found = visitor.page.evaluate("() => window.__cspViolations || []")
    console = [problem for problem in visitor.watch.problems if "Content Security Policy" in problem]
    visitor.watch.problems = [p for p in visitor.watch.problems if p not in console]
    return [f"{path}: {line}" for line in [*found, *console]]


def pages_of(visit: Callable[..., Any], username: str, paths: list[str]) -> list[str]:
    visitor = visit(username)
    visitor.context.add_init_script(LISTENER)
    problems: list[str] = []
    for path in paths:
        problems += violations_on(visitor, path)
    return problems


def test_staff_portal_and_public_pages_pass_the_production_policy(
    cast: Cast, visit: Callable[..., Any], browser: Any, site: str, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = cast.listed_case()
    Case.objects.filter(pk=case.pk).update(published=True)
    services.order_rectification(case, cast.officer, "补缴欠款并提交凭证")
    User.objects.create_superuser("root", password="x", role=Role.ADMIN)
    problems = pages_of(visit, "officer", [
        "/", "/cases/", f"/cases/{case.pk}/", "/cases/new/", "/messages/",
    ])
    problems += pages_of(visit, "leader", [
        "/oversight/", "/oversight/board/", "/oversight/clocks/?status=open", "/oversight/assessment/",
        "/oversight/report/", f"/oversight/cases/{case.pk}/note/",
    ])
    problems += pages_of(visit, "root", ["/admin/", "/admin/casework/case/",
                                         f"/admin/casework/case/{case.pk}/change/"])
    problems += pages_of(visit, "joint_officer", ["/tasks/"])
    problems += pages_of(visit, "subject", ["/portal/", f"/portal/cases/{case.pk}/"])
    # The public, signed out: a context of its own.
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(LISTENER)
    from tests.browser.harness import Watch

    page = context.new_page()
    public = type("Anonymous", (), {"page": page, "base": site, "watch": Watch().attach(page)})()
    for path in ["/public/", "/public/exits/", f"/public/records/{case.number}/", "/accounts/login/"]:
        problems += violations_on(public, path)
    context.close()
    assert problems == [], "CSP violations:\n" + "\n".join(problems)


def test_the_policy_refuses_an_inline_script(cast: Cast, visit: Callable[..., Any], site: str) -> None:
    """The listener does see a violation: an inline script injected into a page is reported."""
    visitor = visit("officer")
    visitor.context.add_init_script(LISTENER)
    visitor.page.goto(site + "/")
    visitor.page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.__ran = true"; document.body.appendChild(s); }""")
    visitor.page.wait_for_timeout(200)
    assert visitor.page.evaluate("() => window.__ran === true") is False
    assert any("script-src" in line for line in visitor.page.evaluate("() => window.__cspViolations"))
    visitor.watch.problems.clear()


