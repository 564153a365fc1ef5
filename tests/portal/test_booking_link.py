from django.test import Client


def test_service_page_offers_booking_at_a_centre_and_leads_to_its_free_times(world, client: Client) -> None:
    page = client.get(f"/services/{world.service.code}/").content.decode()
    assert f'action="/services/{world.service.code}/book/"' in page
    assert f'value="{world.centre.pk}"' in page
    response = client.get(f"/services/{world.service.code}/book/", {"centre": world.centre.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/centres/{world.centre.pk}/book/?service={world.service.code}"
    assert client.get(f"/services/{world.service.code}/book/", {"centre": "../../admin"}).status_code == 404
