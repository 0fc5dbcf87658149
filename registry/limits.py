"""What every request must respect before a view parses it: size, JSON depth, storable text.

- A body over ``MAX_CONTENT_LENGTH`` bytes is 413: by its Content-Length before it is read, or,
  sent chunked, as soon as reading it passes the limit.
- JSON nested deeper than ``MAX_JSON_DEPTH`` is 400 before it is parsed: the JSON parser,
  marshmallow and the error renderer each recurse once per level.
- A NUL character or a lone surrogate in a path parameter, a query parameter, a form field or
  any string of a JSON body is 422 naming where it is (400 where nothing can be named).
  PostgreSQL cannot store NUL in text, and a lone surrogate has no UTF-8 encoding, so neither
  could reach the database, a mail or a log line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, current_app, request

from registry.errors import Problem

MAX_JSON_DEPTH = 32
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# In a JSON body these can only arrive as \u escapes (or as the UTF-8 bytes of a surrogate,
# which Python's json decodes with surrogatepass): a body without one needs no second parse.
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\xed[\xa0-\xbf]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


class PayloadTooLarge(Problem):
    status = 413
    slug = "payload-too-large"


class UnstorableText(Problem):
    """Text no field may hold; ``errors`` names each field or parameter that holds it."""

    status = 422
    slug = "validation-error"


def init_app(app: Flask) -> None:
    app.before_request(check_request)


def check_request() -> None:
    """Refuse a request that is too large, nested too deep or carries text nothing can store."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        raise too_large(limit)
    if _plainly_clean():
        return  # the common read: nothing in its address could hold a NUL or a surrogate
    found = dict(_bad_parameters())
    if request.is_json:
        found.update(_bad_json(_body(limit)))
    elif request.mimetype in FORM_TYPES:
        found.update(_bad_pairs(request.form.items(multi=True)))
    if not found:
        return
    if "" in found:
        raise Problem(found[""])
    raise UnstorableText(
        "; ".join(f"{name}: {message}" for name, message in found.items()),
        errors={name: [message] for name, message in found.items()},
    )


def _plainly_clean() -> bool:
    """A request without a body whose raw path and query hold no NUL and no byte that could
    start an encoded surrogate (0xED): the public reads, checked without decoding anything."""
    environ = request.environ
    if environ.get("CONTENT_LENGTH", "0") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ:
        return False
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "").lower()
    return "\x00" not in path and "\xed" not in path and "%00" not in query and "%ed" not in query


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body may be at most {limit} bytes.", limit=limit)


def json_depth(data: bytes) -> int:
    """How deep a JSON text nests, counted on its brackets outside strings, without parsing it.

    Counting stops just past ``MAX_JSON_DEPTH``: that is all a caller needs to know.
    """
    depth = deepest = 0
    for byte in _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", data)):
        depth += 1 if byte in b"[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_JSON_DEPTH:
                break
    return deepest


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    match = _BAD_TEXT.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return "May not contain a NUL character (U+0000)."
    return "May not contain a lone surrogate (U+D800 to U+DFFF); send valid Unicode."


def _body(limit: int | None) -> bytes:
    data = request.get_data(cache=True)
    if limit is not None and request.content_length is None and len(data) >= limit:
        # Sent chunked, without a Content-Length: werkzeug stopped reading at the limit.
        # One more byte from the server's stream tells a body of exactly the limit from more.
        if request.environ["wsgi.input"].read(1):
            raise too_large(limit)
    return data


def _bad_parameters() -> Iterator[tuple[str, str]]:
    """Path and query parameters; NUL in a path that matched no route names nothing."""
    view_args = request.view_args or {}
    yield from _bad_pairs((name, value) for name, value in view_args.items())
    if "\x00" in request.path and not any(
        isinstance(value, str) and "\x00" in value for value in view_args.values()
    ):
        yield "", "The path may not contain a NUL character (U+0000)."
    yield from _bad_pairs(request.args.items(multi=True))


def _bad_pairs(pairs: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str]]:
    for name, value in pairs:
        if name_problem := text_problem(name):
            yield "", f"A parameter name: {name_problem}"
        elif isinstance(value, str) and (problem := text_problem(value)):
            yield name, problem


def _bad_json(data: bytes) -> Iterator[tuple[str, str]]:
    if json_depth(data) > MAX_JSON_DEPTH:
        raise Problem(
            f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.",
            limit=MAX_JSON_DEPTH,
        )
    if not _SUSPECT.search(data):
        return
    try:
        document = json.loads(data)
    except ValueError:
        return  # malformed: the view's parser answers 400 with its own words
    yield from _bad_strings(document, "")


def _bad_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string of a parsed JSON document (keys too) that cannot be stored, by field path."""
    if isinstance(value, str):
        if problem := text_problem(value):
            yield path, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            if problem := text_problem(key):
                yield path, f"A member name: {problem}"
            else:
                yield from _bad_strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_strings(item, f"{path}.{index}" if path else str(index))
