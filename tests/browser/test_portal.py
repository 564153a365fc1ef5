"""The citizen portal in a real browser: sign in with the SMS code, apply with an upload, follow the
timeline, see the official's decision, download and verify the result, rate it; and the same
sign-in and application in Kazakh."""

from __future__ import annotations

import re

import pytest

from tereze.applications import actions
from tereze.applications.models import Application
from tereze.core.models import Notification
from tests.factories import PDF

pytestmark = pytest.mark.django_db(transaction=True)


def sms_code(iin: str, purpose: str) -> str:
    notification = (Notification.objects.filter(recipient_iin=iin, topic=f"portal.code.{purpose}")
                    .order_by("-id").first())
    assert notification is not None
    return re.search(r"\b(\d{6})\b", notification.body).group(1)  # type: ignore[union-attr]


def sign_in_with_keyboard(page, iin: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in using only the keyboard: the skip link comes first, then the form is reachable by Tab."""
    page.goto("/signin/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_iin":
            break
    else:
        raise AssertionError("the IIN field cannot be reached with Tab")
    page.keyboard.type(iin)
    page.keyboard.press("Enter")
    page.wait_for_url("**/signin/code/")
    page.fill("#id_code", sms_code(iin, "sign_in"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/cabinet/")


def apply_online(page, world, contract_path: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"/services/{world.service.code}/")
    page.click("#apply-online")
    page.click("#start")
    page.wait_for_url("**/applicant/")
    assert world.applicant.full_name in page.locator("#prefilled").inner_text()
    assert page.input_value("#id_phone") == world.applicant.phone  # prefilled from the register
    page.fill("#id_phone", "not a phone")
    page.click("button[name=next]")
    assert page.locator("#id_phone_error").is_visible()  # the error sits by its field
    assert page.get_attribute("#id_phone", "aria-invalid") == "true"
    assert page.get_attribute("#id_phone", "aria-describedby") == "id_phone_error"
    assert page.input_value("#id_phone") == "not a phone"
    assert page.input_value("#id_address") == ""  # nothing typed is lost; the register had no address
    page.fill("#id_phone", "+7 701 234 56 78")
    page.fill("#id_address", "Астана, ул. Абая, 1")
    page.click("button[name=next]")
    page.wait_for_url("**/documents/")
    language = page.evaluate("document.documentElement.lang")
    register = {"en": "population", "ru": "«Население»", "kk": "«Халық»"}[language]
    assert register in page.locator("#register-documents").inner_text()  # named, in the page's language
    page.set_input_files("#id_doc_contract", contract_path)
    page.click("button[name=next]")
    page.wait_for_url("**/tier/")
    page.check("input[name=tier_code][value=fast]")
    page.click("button[name=next]")
    page.wait_for_url("**/confirm/")
    page.click("#send-code")
    page.fill("#id_code", sms_code(world.applicant.iin, "confirm"))
    page.click("#confirm button[type=submit]")
    page.wait_for_url("**/cabinet/applications/**")
    return page.locator("#number").inner_text()


def test_citizen_signs_in_applies_follows_downloads_verifies_and_rates(browser, live_server, world, tmp_path) -> None:
    page = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    page.set_default_timeout(15_000)
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(PDF)
    sign_in_with_keyboard(page, world.applicant.iin)
    number = apply_online(page, world, str(contract))

    assert "contract, identity" in page.locator("#receipt").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "Accepted; the deadline starts" in timeline and "Passed to the state body" in timeline
    assert "of the 2 the standard allows" in page.locator("#deadline").inner_text()
    application = Application.objects.get(number=number)
    assert application.assignee.username not in page.content()

    actions.application_decide(application=application, official=application.assignee, decision="approve")
    page.goto("/cabinet/")
    assert number in page.locator("#applications").inner_text()
    page.click(f"#applications a:text('{number}')")
    assert "Approved" in page.locator("#timeline").inner_text()
    code = page.locator("#verification-code").inner_text()
    with page.expect_download() as download:
        page.click("#download")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.reload()
    page.check("input[name=score][value='5']")
    page.fill("#id_comment", "Быстро и без очереди")
    page.click("#rate button[type=submit]")
    assert "5 of 5" in page.locator("#rating").inner_text()

    page.click(f"a[href='/verify/{code}/']")
    assert "Genuine" in page.locator("#verdict").inner_text()


def test_the_same_sign_in_and_application_in_kazakh(page, world, tmp_path) -> None:
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(PDF)
    page.goto("/services/")
    page.click("header .lang button[value=kk]")
    assert page.locator("html").get_attribute("lang") == "kk"
    sign_in_with_keyboard(page, world.applicant.iin)
    assert page.locator("html").get_attribute("lang") == "kk"
    number = apply_online(page, world, str(contract))
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("h1").inner_text() == "Жылжымайтын мүлікті тіркеу"
    assert Application.objects.get(number=number).language == "kk"


def test_consultant_helps_a_citizen_apply_and_the_citizen_confirms_with_their_code(browser, live_server, world,
                                                                                   tmp_path) -> None:
    from tests import factories
    from tests.browser.conftest import sign_in

    contract = tmp_path / "contract.pdf"
    contract.write_bytes(PDF)
    consultant = factories.staff("consultant", centre_id=world.centre.pk)
    page = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    page.set_default_timeout(15_000)
    sign_in(page, consultant.username)
    page.goto("/assist/")
    page.fill("#id_iin", world.applicant.iin)
    page.click("main form button[type=submit]")
    page.fill("#assist-confirm #id_code", sms_code(world.applicant.iin, "assist"))
    page.click("#assist-confirm button[type=submit]")
    page.wait_for_url("**/assist/session/")
    page.fill("#q", "real estate")
    page.click("form[role=search] button[type=submit]")
    page.click(f"#services a[href='/services/{world.service.code}/apply/']")
    page.click("#start")
    page.wait_for_url("**/applicant/")
    assert "Assisted session" in page.content()
    page.fill("#id_address", "Астана, ул. Абая, 1")
    page.click("button[name=next]")
    page.set_input_files("#id_doc_contract", str(contract))
    page.click("button[name=next]")
    page.click("button[name=next]")
    page.click("#send-code")
    page.fill("#id_code", sms_code(world.applicant.iin, "confirm"))
    page.click("#confirm button[type=submit]")
    page.wait_for_url("**/receipt/")
    application = Application.objects.get(applicant_iin=world.applicant.iin)
    assert application.assisted and application.submitted_by_id == consultant.pk
