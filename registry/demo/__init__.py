"""Demo data: the seed contract's processor, fictional sub-processors and two controllers.

``registry demo`` and ``registry serve --demo`` load it. The tables are in ``data``, the code
that writes them through the services in ``load``; this module prints what a load produced.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from registry.demo.load import DemoResult, load_demo

__all__ = ["DemoResult", "demo_command", "load_demo", "print_demo"]


def print_demo(result: DemoResult, *, base_url: str | None = None) -> None:
    """Print the demo's tokens and three requests to try."""
    base = (base_url or current_app.config["BASE_URL"]).rstrip("/")
    state = "loaded" if result.created else "already loaded; new tokens issued"
    click.echo(
        f"Demo {state}: processor {result.processor} with {result.subprocessors_in_force} "
        f"sub-processors in force; controllers {', '.join(result.controllers)}."
    )
    click.echo("Tokens (shown only now):")
    width = max(len(label) for label in result.tokens)
    for label, secret in result.tokens.items():
        click.echo(f"  {label:<{width}}  {secret}")
    controller_token = result.tokens[result.controllers[0]]
    click.echo("Try:")
    click.echo(f"  curl -s {base}/api/v1/processors/{result.processor}/subprocessors")
    click.echo(f"  curl -s {base}/api/v1/countries/CA-QC")
    click.echo(f'  curl -s -H "Authorization: Bearer {controller_token}" {base}/api/v1/agreements')


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data (idempotent) and print its tokens."""
    from flask_migrate import upgrade

    upgrade()
    print_demo(load_demo())
