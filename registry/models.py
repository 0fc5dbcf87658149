"""Import every model, so the metadata (create_all, Alembic) sees all tables."""

from registry.agreements.data_subject_request_models import DataSubjectRequest
from registry.agreements.models import (
    AdequacyReport,
    Agreement,
    Amendment,
    Consent,
    SecurityMeasures,
)
from registry.audit.models import AuditEvent
from registry.idempotency import IdempotencyRecord
from registry.notifications.models import Delivery, Notice, Subscription, SuppressedAddress
from registry.objections.models import Objection, ObjectionMessage
from registry.organisations.models import ApiToken, Organisation
from registry.ratelimit_storage import RateLimitHit
from registry.subprocessors.models import Change, Subprocessor, SubprocessorVersion

__all__ = [
    "AdequacyReport",
    "Agreement",
    "Amendment",
    "ApiToken",
    "AuditEvent",
    "Change",
    "Consent",
    "DataSubjectRequest",
    "Delivery",
    "IdempotencyRecord",
    "Notice",
    "Objection",
    "ObjectionMessage",
    "Organisation",
    "RateLimitHit",
    "SecurityMeasures",
    "Subprocessor",
    "SubprocessorVersion",
    "Subscription",
    "SuppressedAddress",
]
