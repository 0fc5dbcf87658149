"""Names of location codes in a reader's language, from pycountry's own catalogues."""

from __future__ import annotations

import functools
import gettext

import pycountry

from registry.countries import data


@functools.lru_cache(maxsize=8192)
def place_name(code: str, language: str) -> str:
    """Name of a normalised code; pycountry's catalogues, never gettext.install().

    The data file's ``names`` win where pycountry gives two codes the same name.
    """
    override = data.packaged().names.get(code, {}).get(language)
    if override is not None:
        return override
    if "-" in code:
        subdivision = pycountry.subdivisions.get(code=code)
        return str(_translation("iso3166-2", language).gettext(subdivision.name))
    country = pycountry.countries.get(alpha_2=code)
    assert country is not None, code  # normalised codes exist
    # The common name ("South Korea", "Bolivia") reads better than the formal ISO one.
    name = getattr(country, "common_name", None) or country.name
    return str(_translation("iso3166-1", language).gettext(name))


@functools.cache
def _translation(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)
