"""axe-core (from the npm registry, installed by `make test`) on the main pages: no serious or
critical finding."""

from pathlib import Path

import pytest

from tereze.applications import actions
from tests.applications.helpers import submit
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_findings(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def axe_available() -> None:
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: `make test` installs it with npm (package.json)")


def test_public_pages_have_no_serious_accessibility_findings(live_server, page, world, axe_available) -> None:
    paths = ["/services/", f"/services/{world.service.code}/", "/signin/", "/staff/login/", "/verify/",
             f"/centres/{world.centre.pk}/kiosk/", f"/centres/{world.centre.pk}/board/"]
    for language in ("kk", "ru", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for path in paths:
            page.goto(path)
            assert serious_findings(page) == [], (language, path)


def test_staff_pages_have_no_serious_accessibility_findings(live_server, page, world, axe_available) -> None:
    application = submit(world)
    actions.application_start_review(application=application, official=application.assignee)
    sign_in(page, application.assignee.username)
    for path in ["/staff/queue/", f"/staff/applications/{application.number}/"]:
        page.goto(path)
        assert serious_findings(page) == [], path


def test_citizen_pages_have_no_serious_accessibility_findings(live_server, page, world, axe_available) -> None:
    from tests.browser.test_portal import sign_in_with_keyboard

    application = submit(world, channel="portal", actor=world.citizen)
    sign_in_with_keyboard(page, world.applicant.iin)
    for path in ["/cabinet/", f"/cabinet/applications/{application.number}/", "/cabinet/data-access/",
                 "/cabinet/preferences/", f"/services/{world.service.code}/apply/"]:
        page.goto(path)
        assert serious_findings(page) == [], (path, page.url)
