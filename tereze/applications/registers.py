"""State registers that intake queries instead of asking the applicant ("once only").

`RegisterAdapter` is the seam a real integration (population, business, property registers)
plugs into; `DemoRegisters` answers from the demo country's own tables.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from tereze.core.models import Business
from tereze.core.people import person_card


class RegisterAdapter(Protocol):
    def fetch(self, *, register: str, document_code: str, applicant_id: str) -> dict[str, Any] | None:
        """The register's record for this applicant, or None when it holds none."""


class DemoRegisters:
    def fetch(self, *, register: str, document_code: str, applicant_id: str) -> dict[str, Any] | None:
        if register == "business":
            business = Business.objects.filter(bin=applicant_id).first()
            if business is None:
                return None
            return {"register": register, "bin": business.bin, "name": business.name,
                    "registered_on": business.registered_on.isoformat()}
        person = person_card(applicant_id)
        if person is None:
            return None
        if register in ("population", "identity"):
            return {"register": register, "iin": person.iin, "name": person.full_name,
                    "birth_date": person.birth_date.isoformat()}
        if register == "address":
            return {"register": register, "iin": person.iin, "address": person.address}
        # Other registers (property, civil status, education, ...) answer with a record reference.
        reference = hashlib.sha256(f"{register}:{document_code}:{applicant_id}".encode()).hexdigest()[:12]
        return {"register": register, "iin": person.iin, "reference": reference.upper()}


registers: RegisterAdapter = DemoRegisters()
