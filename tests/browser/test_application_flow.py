import re

import pytest
from django.test import Client

from tereze.applications.models import Application
from tests.browser.conftest import sign_in
from tests.factories import PDF

pytestmark = pytest.mark.django_db(transaction=True)


def test_operator_intake_official_decision_applicant_verifies(live_server, browser, world, tmp_path) -> None:
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(PDF)

    operator = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    sign_in(operator, world.operator.username)
    operator.fill("#q", "real estate")
    operator.click("form[role=search] button[type=submit]")
    operator.click(f"a[href='/staff/intake/{world.service.code}/']")
    # Incomplete first: the page says what is missing and keeps what was typed.
    operator.fill("#id_applicant_id", world.applicant.iin)
    operator.click("button[type=submit] >> text=Check and accept")
    assert "missing: contract" in operator.content()
    assert operator.input_value("#id_applicant_id") == world.applicant.iin
    operator.set_input_files("#id_doc_contract", str(contract))
    operator.select_option("#id_tier_code", "fast")
    operator.click("button[type=submit] >> text=Check and accept")
    assert operator.locator("h1").inner_text() == "Receipt"
    receipt = operator.locator("table").inner_text()
    number = re.search(rf"{world.service.code}-\d{{8}}-[0-9A-F]{{12}}", receipt).group(0)
    assert "contract" in receipt and world.body.name_ru in receipt or world.body.name_en in receipt
    application = Application.objects.get(number=number)
    assert application.status == "assigned"
    assert application.assignee.username not in receipt

    official = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    sign_in(official, application.assignee.username)
    assert number in official.locator("table").inner_text()
    official.click(f"text={number}")
    official.select_option("#id_decision", "approve")
    official.click("text=Record decision")
    assert "Decision recorded" in official.content()
    application.refresh_from_db()
    assert application.status == "result_ready"

    citizen_client = Client()
    citizen_client.force_login(world.citizen)
    citizen = browser.new_context(base_url=live_server.url, locale="en-US")
    citizen.add_cookies([{"name": "sessionid", "value": citizen_client.cookies["sessionid"].value,
                          "url": live_server.url}])
    citizen_page = citizen.new_page()
    status = citizen_page.request.get(f"/api/v1/applications/{number}").json()
    assert status["status"] == "result_ready"
    code = status["result_verification_code"]
    citizen_page.goto(f"/verify/{code}/")
    assert citizen_page.locator("#verdict").inner_text() == "Genuine and current."
    assert world.applicant.surname not in citizen_page.content()  # only a masked name
    citizen_page.goto("/verify/NOTAREALCODE/")
    assert "not genuine" in citizen_page.locator("#verdict").inner_text()
