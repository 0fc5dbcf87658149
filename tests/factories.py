"""Test data, built through the services so tests exercise real rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory

from registry.extensions import db
from registry.organisations import service as organisations
from registry.organisations.models import Organisation, OrgKind


@dataclass
class Caller:
    """Whoever holds an API token."""

    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Party(Caller):
    """An organisation and its token."""

    organisation: Organisation

    @property
    def slug(self) -> str:
        return self.organisation.slug


class PartyFactory(factory.Factory):
    """An organisation with a token, committed."""

    class Meta:
        model = Party

    kind = OrgKind.PROCESSOR
    slug = factory.Sequence(lambda n: f"party-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    country = "NL"
    email = factory.LazyAttribute(lambda o: f"privacy@{o.slug}.example")
    language = "nl"
    token_name = factory.LazyAttribute(lambda o: f"{o.slug} test token")

    @classmethod
    def _create(
        cls, model_class: type[Party], *, kind: OrgKind | str, token_name: str, **fields: Any
    ) -> Party:
        organisation = organisations.create_organisation(kind=OrgKind(kind), **fields)
        _, secret = organisations.create_token(organisation=organisation, name=token_name)
        db.session.commit()
        return model_class(token=secret, organisation=organisation)


class AdminFactory(factory.Factory):
    """An admin token, committed."""

    class Meta:
        model = Caller

    name = "admin"

    @classmethod
    def _create(cls, model_class: type[Caller], *, name: str) -> Caller:
        _, secret = organisations.create_token(organisation=None, name=name, admin=True)
        db.session.commit()
        return model_class(token=secret)


class EntryFactory(factory.DictFactory):
    """A complete sub-processor body as integrators send it."""

    name = "Nordhosting"
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} GmbH")
    registration_number = "HRB 123456"
    country_of_incorporation = "DE"
    website = "https://nordhosting.example"
    purpose = "Hosting of call recordings"
    data_categories = factory.List(["call recordings", "contact details"])
    data_subject_categories = factory.List(["end users"])
    locations = factory.List(
        [
            factory.Dict({"code": "DE", "activities": factory.List(["hosting"])}),
            factory.Dict({"code": "US", "activities": factory.List(["support"])}),
        ]
    )
    dpf_certified = False
    dpf_checked_on = None
    transfer_mechanism = "scc"
    flowdown_signed_on = "2026-11-01"


class ConsentEntryFactory(EntryFactory):
    """A sub-processor with a location that needs consent (IN) beside one in the EEA."""

    locations = factory.List(
        [
            factory.Dict({"code": "DE", "activities": factory.List(["hosting"])}),
            factory.Dict({"code": "IN", "activities": factory.List(["support"])}),
        ]
    )
