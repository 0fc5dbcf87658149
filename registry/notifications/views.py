"""Subscriptions (public), the pages behind the links in mail, and the delivery evidence.

A confirmation token that is unknown, expired or spent answers 422 naming ``token``
(``POST /subscriptions/confirm``); an unknown unsubscribe token answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from registry.auth import current_org, current_token, requires
from registry.errors import Problem, refusal
from registry.notifications import deliveries, pages, service, suppressions
from registry.notifications.models import Delivery, Subscription, SubscriptionStatus
from registry.notifications.schemas import (
    ConfirmSchema,
    DeliveryQuerySchema,
    DeliverySchema,
    SubscribeSchema,
    SubscriptionAcceptedSchema,
    SubscriptionStateSchema,
    SuppressionSchema,
)
from registry.organisations import service as organisations
from registry.organisations.models import OrgKind
from registry.pagination import paginated
from registry.ratelimit import rate_limited

bp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1",
    description="Subscriptions to a processor's changes, and who was told what",
)

ACCEPTED = {
    "status": "accepted",
    "detail": "If this address can be subscribed, a confirmation mail is on its way.",
}
HTML_PAGE = {"description": "A small HTML page", "content": {"text/html": {"schema": {}}}}


def _state(subscription: Subscription) -> dict[str, Any]:
    return {
        "processor": service.processor_of(subscription).slug,
        "status": subscription.status,
        "language": subscription.language,
    }


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


@bp.route("/processors/<slug>/subscriptions", methods=["POST"])
@rate_limited("SUBSCRIBE_RATE_LIMIT", scope="subscribe")
@bp.arguments(SubscribeSchema)
@bp.response(202, SubscriptionAcceptedSchema)
@refusal(bp, 404, "No processor with this slug")
@refusal(bp, 429, "Too many subscription requests from this client; see Retry-After")
def subscribe(data: dict[str, Any], slug: str) -> dict[str, str]:
    """Subscribe an address to a processor's changes (double opt-in); always 202."""
    processor = organisations.get_by_slug_or_404(slug, kind=OrgKind.PROCESSOR)
    service.subscribe(processor=processor, email=data["email"], language=data["language"])
    return ACCEPTED


@bp.route("/subscriptions/confirm", methods=["POST"])
@bp.arguments(ConfirmSchema)
@bp.response(200, SubscriptionStateSchema)
@refusal(bp, 422, "Unknown, expired or spent confirmation token")
def confirm(data: dict[str, str]) -> dict[str, Any]:
    """Confirm a subscription with the token from the confirmation mail."""
    return _state(service.confirm_subscription(token=data["token"]))


@bp.route("/subscriptions/confirm/<token>", methods=["GET"])
@bp.doc(responses={"200": HTML_PAGE, "404": HTML_PAGE})
def confirm_page(token: str) -> Response:
    """Show the page behind the confirmation link: a button, nothing confirmed yet."""
    return _link_page(
        service.find_by_confirm_token(token),
        step="confirm",
        done=(SubscriptionStatus.CONFIRMED, "confirmed"),
        usable=service.is_confirmable,
    )


@bp.route("/subscriptions/confirm/<token>", methods=["POST"])
@bp.doc(responses={"200": HTML_PAGE, "404": HTML_PAGE})
def confirm_from_page(token: str) -> Response:
    """Confirm a subscription from the page's button."""
    try:
        subscription = service.confirm_subscription(token=token)
    except Problem:
        return pages.page("invalid", language=None, status=404)
    processor = service.processor_of(subscription)
    return pages.page("confirmed", language=subscription.language, processor=processor)


@bp.route("/subscriptions/unsubscribe/<token>", methods=["GET"])
@bp.doc(responses={"200": HTML_PAGE, "404": HTML_PAGE})
def unsubscribe_page(token: str) -> Response:
    """Show the page behind the unsubscribe link: a button; a GET never unsubscribes."""
    return _link_page(
        service.find_by_unsubscribe_token(token),
        step="unsubscribe",
        done=(SubscriptionStatus.UNSUBSCRIBED, "unsubscribed"),
        fields={"List-Unsubscribe": "One-Click"},
    )


def _link_page(
    subscription: Subscription | None,
    *,
    step: str,
    done: tuple[SubscriptionStatus, str],
    usable: Callable[[Subscription], bool] = lambda _subscription: True,
    fields: dict[str, str] | None = None,
) -> Response:
    """The page behind a link in mail: invalid, done already (``done``: the status and its
    page), or a button that POSTs."""
    if subscription is None:
        return pages.page("invalid", language=None, status=404)
    language = subscription.language
    processor = service.processor_of(subscription)
    status, done_page = done
    if subscription.status is status:
        return pages.page(done_page, language=language, processor=processor)
    if not usable(subscription):
        return pages.page("invalid", language=language, processor=processor, status=404)
    return pages.page(
        step,
        language=language,
        processor=processor,
        action=request.path,
        button=f"{step}_button",
        fields=fields,
    )


@bp.route("/subscriptions/unsubscribe/<token>", methods=["POST"])
@bp.response(200, SubscriptionStateSchema)
# Keyed as the decorators around key theirs (@bp.response 200, refusal "404"), so the HTML
# joins their JSON answers instead of replacing them.
@bp.doc(
    responses={
        200: {"content": {"text/html": {"schema": {}}}},
        "404": {"content": {"text/html": {"schema": {}}}},
    }
)
@refusal(bp, 404, "No subscription with this unsubscribe link")
def unsubscribe(token: str) -> Any:
    """Unsubscribe in one click (RFC 8058); no token needed, repeating changes nothing."""
    if _wants_html():
        try:
            subscription = service.unsubscribe(token=token)
        except Problem:
            return pages.page("invalid", language=None, status=404)
        processor = service.processor_of(subscription)
        return pages.page("unsubscribed", language=subscription.language, processor=processor)
    return _state(service.unsubscribe(token=token))


@bp.route("/deliveries", methods=["GET"])
@requires("processor", "controller")
@bp.arguments(DeliveryQuerySchema, location="query")
@bp.response(200, DeliverySchema(many=True))
@paginated(bp)
def list_deliveries(query: dict[str, Any]) -> Any:
    """List deliveries: a processor's sent notices, or those addressed to a controller."""
    return deliveries.deliveries_query(organisation=current_org(), **query)


@bp.route("/deliveries/<int:delivery_id>/retry", methods=["POST"])
@requires("processor")
@bp.response(200, DeliverySchema)
@refusal(bp, 404, "No delivery of yours with this id")
@refusal(bp, 409, "Only a dead, failed or stalled delivery can be retried")
def retry_delivery(delivery_id: int) -> Delivery:
    """Requeue a dead, failed or stalled delivery now and lift its address's suppression."""
    return deliveries.retry_delivery(processor=current_org(), delivery_id=delivery_id)


@bp.route("/suppressions", methods=["GET"])
@requires("admin", "processor")
@bp.response(200, SuppressionSchema(many=True))
@paginated(bp)
def list_suppressions() -> Any:
    """List suppressed addresses: all for an admin, a processor's agreements' contacts for it."""
    return suppressions.suppressions_query(organisation=current_token().organisation)


@bp.route("/suppressions/<int:suppression_id>", methods=["DELETE"])
@requires("admin", "processor")
@bp.response(204)
@refusal(bp, 404, "No suppression of an address you may see with this id")
def lift_suppression(suppression_id: int) -> None:
    """Lift a suppression: subscriber mail goes to the address again."""
    suppressions.lift(suppression_id=suppression_id, organisation=current_token().organisation)
