"""Test data, built through the services so tests exercise real rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.extensions import db
from registry.organisations import service as organisations
from registry.organisations.models import Organisation, OrgKind


@dataclass
class Party:
    organisation: Organisation
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def slug(self) -> str:
        return self.organisation.slug


def make_party(
    kind: OrgKind | str, slug: str, *, name: str | None = None, language: str = "nl"
) -> Party:
    """An organisation with a token, committed."""
    organisation = organisations.create_organisation(
        slug=slug,
        name=name or slug.replace("-", " ").title(),
        kind=OrgKind(kind),
        country="NL",
        email=f"privacy@{slug}.example",
        language=language,
    )
    _, secret = organisations.create_token(organisation=organisation, name=f"{slug} test token")
    db.session.commit()
    return Party(organisation, secret)


def make_admin() -> dict[str, str]:
    _, secret = organisations.create_token(organisation=None, name="admin", admin=True)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def entry(name: str = "Nordhosting", **overrides: Any) -> dict[str, Any]:
    """A complete sub-processor body as integrators send it."""
    body: dict[str, Any] = {
        "name": name,
        "legal_name": f"{name} GmbH",
        "registration_number": "HRB 123456",
        "country_of_incorporation": "DE",
        "website": "https://nordhosting.example",
        "purpose": "Hosting of call recordings",
        "data_categories": ["call recordings", "contact details"],
        "data_subject_categories": ["end users"],
        "locations": [
            {"code": "DE", "activities": ["hosting"]},
            {"code": "US", "activities": ["support"]},
        ],
        "dpf_certified": False,
        "dpf_checked_on": None,
        "transfer_mechanism": "scc",
        "flowdown_signed_on": "2026-11-01",
    }
    body.update(overrides)
    return body
