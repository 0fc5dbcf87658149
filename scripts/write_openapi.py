"""Write openapi.yaml from the app's spec: ``.venv/bin/python scripts/write_openapi.py``.

The file is flask-smorest's ``api.spec.to_dict()`` as YAML, in the spec's own key order.
tests/test_openapi.py fails when the committed file differs from what this writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generated_spec() -> dict[str, Any]:
    """The spec as plain JSON data, as a client would read it."""
    from flask import json as flask_json

    from registry import create_app
    from registry.extensions import api

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    with app.app_context():
        return dict(json.loads(flask_json.dumps(api.spec.to_dict())))


# Top-level keys in the order a reader looks for them; everything below keeps the spec's order.
HEAD_KEYS = ("openapi", "info", "servers", "tags", "paths", "components")


def render(spec: dict[str, Any]) -> str:
    ordered = {key: spec[key] for key in HEAD_KEYS if key in spec}
    ordered.update((key, value) for key, value in spec.items() if key not in ordered)
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "openapi.yaml"
    target.write_text(render(generated_spec()), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
