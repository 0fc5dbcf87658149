"""The two small pages behind the links in mail: confirm a subscription, unsubscribe.

A GET only shows a button; the button POSTs. Mail scanners that fetch every link in a
message therefore neither confirm nor unsubscribe anyone. Each page speaks Dutch and
English, the subscriber's language first.
"""

from __future__ import annotations

from flask import Response, render_template_string

TEXTS = {
    "nl": {
        "confirm_title": "Inschrijving bevestigen",
        "confirm_lead": "Bevestig dat u e-mail wilt ontvangen over wijzigingen in de "
        "sub-verwerkers van {processor}.",
        "confirm_button": "Inschrijving bevestigen",
        "confirmed_title": "Inschrijving bevestigd",
        "confirmed_lead": "U ontvangt voortaan bericht over wijzigingen in de sub-verwerkers "
        "van {processor}. Elk bericht bevat een link om u af te melden.",
        "unsubscribe_title": "Afmelden",
        "unsubscribe_lead": "Meld u af voor berichten over wijzigingen in de sub-verwerkers "
        "van {processor}.",
        "unsubscribe_button": "Afmelden",
        "unsubscribed_title": "U bent afgemeld",
        "unsubscribed_lead": "U ontvangt geen berichten meer over de sub-verwerkers van "
        "{processor}.",
        "invalid_title": "Deze link is niet geldig",
        "invalid_lead": "De link is onbekend of verlopen. Schrijf u opnieuw in als u "
        "berichten wilt ontvangen.",
    },
    "en": {
        "confirm_title": "Confirm your subscription",
        "confirm_lead": "Confirm that you want email about changes to the sub-processors "
        "of {processor}.",
        "confirm_button": "Confirm subscription",
        "confirmed_title": "Subscription confirmed",
        "confirmed_lead": "From now on you will be told about changes to the sub-processors "
        "of {processor}. Every message has a link to unsubscribe.",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_lead": "Stop messages about changes to the sub-processors of {processor}.",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed_title": "You are unsubscribed",
        "unsubscribed_lead": "You will receive no more messages about the sub-processors of "
        "{processor}.",
        "invalid_title": "This link is not valid",
        "invalid_lead": "The link is unknown or has expired. Subscribe again if you want "
        "to receive messages.",
    },
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
    first = language if language in TEXTS else "nl"
    languages = [first, *(other for other in TEXTS if other != first)]
    sections = [
        {
            "language": lang,
            "title": TEXTS[lang][f"{state}_title"],
            "lead": TEXTS[lang][f"{state}_lead"].format(processor=processor).replace("..", "."),
        }
        for lang in languages
    ]
    label = None
    if button:
        label = " / ".join(TEXTS[lang][button] for lang in languages)
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
