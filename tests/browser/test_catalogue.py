import pytest

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_catalogue_search_language_switch_and_service_page(page) -> None:
    body = factories.BodyFactory()
    service = factories.ServiceFactory(body=body)
    factories.make_standard(service)
    factories.ServiceFactory(body=body, name_ru="Выдача справки о несудимости",
                             name_en="Certificate of no criminal record",
                             name_kk="Сотталмағандығы туралы анықтама", category="justice")

    page.goto("/services/")
    assert page.locator("#results li").count() == 2
    page.fill("#q", "недвижим")
    page.click("form[role=search] button[type=submit]")
    assert page.locator("#results li").count() == 1
    assert "Регистрация прав на недвижимое имущество" in page.locator("#results").inner_text()

    page.click("header .lang button[value=kk]")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert "Жылжымайтын мүлікті тіркеу" in page.locator("#results").inner_text()

    page.click("#results a")
    assert page.locator("h1").inner_text() == "Жылжымайтын мүлікті тіркеу"
    assert "population" not in page.content()  # the register is named in Kazakh too
    page.click("header .lang button[value=en]")
    assert page.locator("h1").inner_text() == "Registration of real estate rights"
    assert "Fast track" in page.content() and "the population register" in page.content()
