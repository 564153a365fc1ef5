"""A visitor takes a ticket at the kiosk, sees it called on the board, and the operator serves it
into an application intake."""

import pytest

from tereze.centres import actions
from tereze.centres.hours import is_public_holiday
from tereze.core import clock
from tereze.core.models import WorkingDayTransfer
from tests import factories
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ALL_DAY = {str(day): ["00:00", "23:59"] for day in range(7)}


def test_kiosk_board_console_into_intake(page, browser) -> None:
    today = clock.today()
    if is_public_holiday(today):
        WorkingDayTransfer.objects.create(date=today, kind=WorkingDayTransfer.Kind.WORKING_DAY)
    service = factories.ServiceFactory(category="property")
    factories.make_standard(service)
    centre = factories.CentreFactory(opening_hours=ALL_DAY)
    window = actions.counter_create(centre=centre, number=7, services=[service])
    operator = factories.staff("operator", centre_id=centre.pk)
    actions.counter_sign_in(counter=window, operator=operator)
    person = factories.person()

    # The kiosk in the hall: no sign-in.
    page.goto(f"/centres/{centre.pk}/kiosk/")
    page.check("#take input[name=kind][value=application]")
    page.select_option("#id_service", service.code)
    page.fill("#id_iin", person.iin)
    page.click("#take button[type=submit]")
    number = page.locator("#number").inner_text()
    assert number == "D-001"
    assert "1" in page.locator("#ticket-status").inner_text()

    # The board, on another screen, polling for calls.
    board = browser.new_page(base_url=page.url.split("/queue/")[0])
    board.goto(f"/centres/{centre.pk}/board/")
    assert board.locator("#waiting").inner_text() == "1"

    # The operator's console: no name before calling; call, start, finish into intake.
    sign_in(page, operator.username)
    page.goto("/staff/counter/")
    assert person.iin not in page.content()
    page.click("#call-next")
    assert page.locator("#current-number").inner_text() == number
    assert person.iin in page.content()
    board.wait_for_function(f"document.querySelector('#calls').innerText.includes('{number}')", timeout=10_000)
    assert "7" in board.locator("#calls").inner_text()
    page.click("button[value=start]")
    page.click("button[value=finish]")
    page.wait_for_url(f"**/staff/intake/{service.code}/?applicant={person.iin}*")
    assert page.locator("h1").inner_text() == service.name_ru
    assert page.input_value("#id_applicant_id") == person.iin  # intake opens for this citizen
    board.close()
