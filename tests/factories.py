"""Test data, built through the services so tests exercise real rules."""

from __future__ import annotations

from dataclasses import dataclass

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
