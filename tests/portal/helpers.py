from __future__ import annotations

import re
from typing import Any

from django.test import Client

from tereze.core.models import Notification, Person

CODE = re.compile(r"\b(\d{6})\b")


def last_code(iin: str, purpose: str = "sign_in") -> str:
    notification = (Notification.objects.filter(recipient_iin=iin, topic=f"portal.code.{purpose}")
                    .order_by("-id").first())
    assert notification is not None, f"no {purpose} code was sent to {iin}"
    match = CODE.search(notification.body)
    assert match
    return match.group(1)


def sign_in(client: Client, person: Person, *, bin: str = "") -> Any:
    response = client.post("/signin/", {"iin": person.iin, "bin": bin})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.post("/signin/code/", {"code": last_code(person.iin)})


def signed_in_client(person: Person) -> Client:
    client = Client()
    response = sign_in(client, person)
    assert response.status_code == 302 and response["Location"] == "/cabinet/", response
    return client


def errors_of(response: Any) -> str:
    return " ".join(re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</', response.content.decode(), re.S))
