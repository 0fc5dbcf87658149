"""What the app connects at start: every domain's blueprint, notice kinds, jobs and reactions.

Importing a domain's ``notifications`` module registers its notice kinds and periodic jobs;
importing its ``reactions`` module connects its receivers to the signals of the domains below
it (``registry.events``). This module is the one place that imports them all, and only
``create_app`` imports this module, so no domain depends on another through it.
"""

from __future__ import annotations

from flask import Flask

from registry import models  # noqa: F401  (every table in the metadata)
from registry.agreements import adequacy_impact as _adequacy_notices  # noqa: F401
from registry.agreements import data_subject_request_notices as _dsr_notices  # noqa: F401
from registry.agreements import data_subject_request_views as _dsr_views  # noqa: F401
from registry.agreements import notifications as _agreement_notices  # noqa: F401
from registry.agreements import reactions as _agreement_reactions  # noqa: F401
from registry.agreements import security_notices as _security_notices  # noqa: F401
from registry.agreements import security_views as _security_views  # noqa: F401
from registry.agreements import term_notices as _agreement_term_notices  # noqa: F401
from registry.agreements import welcome as _agreement_welcome  # noqa: F401
from registry.agreements.views import bp as agreements
from registry.audit.views import bp as audit
from registry.countries.views import bp as countries
from registry.db import commit_or_rollback
from registry.docs import swagger_static
from registry.extensions import api
from registry.idempotency import delete_expired
from registry.ids import IdConverter
from registry.limits import init_app as check_requests
from registry.notifications import confirmation as _subscription_notices  # noqa: F401
from registry.notifications.jobs import register_job
from registry.notifications.render import register_personal_link
from registry.notifications.views import bp as notifications
from registry.objections import notifications as _objection_notices  # noqa: F401
from registry.objections import reactions as _objection_reactions  # noqa: F401
from registry.objections.views import bp as objections
from registry.organisations.views import bp as organisations
from registry.pagination import declare_pagination_header
from registry.subprocessors import notifications as _change_notices  # noqa: F401
from registry.subprocessors.schemas import SubprocessorInSchema
from registry.subprocessors.views import bp as subprocessors
from registry.web import notifications as _receipt_notices  # noqa: F401
from registry.web.links import link_for
from registry.web.respond import bp as respond
from registry.web.respond_agreement import bp as respond_agreement
from registry.web.views import bp as web

BLUEPRINTS = (countries, organisations, subprocessors, agreements, objections, notifications, audit)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    check_requests(app)
    declare_pagination_header(api.spec)  # before an operation refers to it
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(swagger_static)
    app.register_blueprint(web)
    app.register_blueprint(respond)
    app.register_blueprint(respond_agreement)
    # Referenced by the change body, which the service loads itself (see ChangeInSchema).
    if "SubprocessorIn" not in api.spec.components.schemas:
        api.spec.components.schema("SubprocessorIn", schema=SubprocessorInSchema)
    app.after_request(commit_or_rollback)
    register_job("idempotency_keys_expired", delete_expired)
    register_personal_link(link_for)
