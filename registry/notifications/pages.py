"""The two small pages behind the links in mail: confirm a subscription, unsubscribe.

A GET only shows a button; the button POSTs. Mail scanners that fetch every link in a
message therefore neither confirm nor unsubscribe anyone. Each page speaks Dutch and
English, the subscriber's language first; each language's texts come from its gettext
catalog, looked up under ``force_locale``.
"""

from __future__ import annotations

from flask import Response, render_template_string
from flask_babel import force_locale, gettext, pgettext

from registry.notifications.kinds import SUPPORTED_LANGUAGES


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


PAGE = """<!doctype html>
<html lang="{{ languages[0] }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ sections[0].title }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto;
       padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }
section + section { border-top: 1px solid #ddd; margin-top: 2rem; padding-top: 1rem; }
button { font-size: 1rem; padding: .6rem 1.2rem; border-radius: .3rem;
         border: 1px solid #2b4a7a; background: #2b4a7a; color: #fff; cursor: pointer; }
</style>
</head>
<body>
{% for section in sections %}
<section lang="{{ section.language }}">
<h1>{{ section.title }}</h1>
<p>{{ section.lead }}</p>
</section>
{% endfor %}
{% if action %}
<form method="post" action="{{ action }}">
{% for name, value in fields.items() %}
<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<button type="submit" id="submit">{{ button }}</button>
</form>
{% endif %}
</body>
</html>
"""


def page(
    state: str,
    *,
    language: str | None,
    processor: str = "",
    action: str | None = None,
    button: str | None = None,
    fields: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """Render one page in both languages; ``state`` names its texts (confirm, invalid, …)."""
    first = language if language in SUPPORTED_LANGUAGES else "nl"
    languages = [first, *(other for other in SUPPORTED_LANGUAGES if other != first)]
    texts: dict[str, dict[str, str]] = {}
    for lang in languages:
        with force_locale(lang):
            texts[lang] = _texts(processor)
    sections = [
        {
            "language": lang,
            "title": texts[lang][f"{state}_title"],
            "lead": texts[lang][f"{state}_lead"].replace("..", "."),
        }
        for lang in languages
    ]
    label = None
    if button:
        label = " / ".join(texts[lang][button] for lang in languages)
    body = render_template_string(
        PAGE,
        languages=languages,
        sections=sections,
        action=action,
        button=label,
        fields=fields or {},
    )
    response = Response(body, status=status, mimetype="text/html")
    # The token is in the address: keep it out of Referer headers, caches and indexes.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return response
