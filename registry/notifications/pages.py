"""The two small pages behind the links in mail: confirm a subscription, unsubscribe.

A GET only shows a button; the button POSTs. Mail scanners that fetch every link in a
message therefore neither confirm nor unsubscribe anyone. Each page speaks the subscriber's
language, in the public site's layout, and leads back to the processor's page.
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import force_locale, gettext, pgettext

from registry.notifications.kinds import SUPPORTED_LANGUAGES
from registry.organisations.models import Organisation


def _texts(processor: str) -> dict[str, str]:
    """Every text of the pages in the current locale, by the names the views pass."""
    return {
        # A context of its own: the confirmation mail's heading reads the same in English only.
        "confirm_title": pgettext("subscription page", "Confirm your subscription"),
        "confirm_lead": gettext(
            "Confirm that you want email about changes to the sub-processors of %(processor)s.",
            processor=processor,
        ),
        "confirm_button": gettext("Confirm subscription"),
        "confirmed_title": gettext("Subscription confirmed"),
        "confirmed_lead": gettext(
            "From now on you will be told about changes to the sub-processors of "
            "%(processor)s. Every message has a link to unsubscribe.",
            processor=processor,
        ),
        "unsubscribe_title": gettext("Unsubscribe"),
        "unsubscribe_lead": gettext(
            "Stop messages about changes to the sub-processors of %(processor)s.",
            processor=processor,
        ),
        "unsubscribe_button": gettext("Unsubscribe"),
        "unsubscribed_title": gettext("You are unsubscribed"),
        "unsubscribed_lead": gettext(
            "You will receive no more messages about the sub-processors of %(processor)s.",
            processor=processor,
        ),
        "invalid_title": gettext("This link is not valid"),
        "invalid_lead": gettext(
            "The link is unknown or has expired. Subscribe again if you want to receive messages."
        ),
    }


def page(
    state: str,
    *,
    language: str | None,
    processor: Organisation | None = None,
    action: str | None = None,
    button: str | None = None,
    fields: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """Render one page in the subscriber's language (else the reader's) in the site's layout;
    ``state`` names its texts (confirm, invalid, …)."""
    if language not in SUPPORTED_LANGUAGES:
        best = request.accept_languages.best_match(SUPPORTED_LANGUAGES)
        language = str(best) if best else "nl"
    with force_locale(language):
        texts = _texts(processor.name if processor else "")
        body = render_template(
            "web/subscription_page.html",
            title=texts[f"{state}_title"],
            lead=texts[f"{state}_lead"].replace("..", "."),
            state=state,
            processor=processor,
            action=action,
            button=texts[button] if button else None,
            fields=fields or {},
            language=language,
            noindex=True,
        )
    response = Response(body, status=status, mimetype="text/html")
    # The token is in the address: keep it out of Referer headers, caches and indexes.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return response
