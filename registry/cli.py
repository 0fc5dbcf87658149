"""The ``registry`` command: a FlaskGroup around create_app()."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from marshmallow import ValidationError

from registry import PROJECT_ROOT, create_app
from registry.countries.cli import adequacy_group
from registry.demo import demo_command, load_demo, print_demo
from registry.errors import Problem
from registry.extensions import db
from registry.notifications.cli import worker_command
from registry.notifications.transports import maildir_path
from registry.organisations import service as organisations
from registry.organisations.models import OrgKind
from registry.organisations.schemas import OrganisationSchema


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli() -> None:
    """Subprocessor Registry."""


@click.group("org")
def org_group() -> None:
    """Manage organisations."""


@org_group.command("create")
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]), required=True)
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2")
@click.option("--email", required=True)
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@with_appcontext
def org_create(kind: str, slug: str, name: str, country: str, email: str, language: str) -> None:
    """Register a processor or a controller."""
    try:
        data = OrganisationSchema().load(
            {
                "kind": kind,
                "slug": slug,
                "name": name,
                "country": country.upper(),
                "email": email,
                "language": language,
            }
        )
        organisation = organisations.create_organisation(**data)
    except ValidationError as error:
        raise click.UsageError(str(error.messages)) from error
    except Problem as error:
        raise click.ClickException(error.detail) from error
    db.session.commit()
    click.echo(f"created {organisation.kind.value} {organisation.slug}")


@click.group("token")
def token_group() -> None:
    """Manage API tokens."""


@token_group.command("create")
@click.option("--org", "slug", help="The organisation's slug")
@click.option("--admin", is_flag=True, help="An admin token (manages organisations)")
@click.option("--name", default="cli", show_default=True)
@with_appcontext
def token_create(slug: str | None, admin: bool, name: str) -> None:
    """Create a token and print it alone on the last line (shown once)."""
    if bool(slug) == admin:
        raise click.UsageError("Give exactly one of --org S or --admin.")
    try:
        organisation = organisations.get_by_slug_or_404(slug) if slug else None
    except Problem as error:
        raise click.ClickException(error.detail) from error
    token, secret = organisations.create_token(organisation=organisation, name=name, admin=admin)
    db.session.commit()
    click.echo(f"token {token.id} ({token.role}) created; it is shown only this once:", err=True)
    click.echo(secret)


@click.command("serve")
@click.option("--demo", is_flag=True, help="Load the demo processor and print its tokens")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@with_appcontext
def serve(demo: bool, port: int, host: str) -> None:
    """Upgrade the schema, then run gunicorn and one delivery worker."""
    _require_free_port(host, port)
    upgrade()
    if demo:
        print_demo(load_demo(), base_url=f"http://{host}:{port}")
    env = {**os.environ, "REGISTRY_BIND": f"{host}:{port}"}
    env.setdefault("REGISTRY_INSTANCE_PATH", current_app.instance_path)
    # Links in mail point at this server unless the operator named a public address.
    env.setdefault("REGISTRY_BASE_URL", f"http://{host}:{port}")
    config = str(PROJECT_ROOT / "config" / "gunicorn.conf.py")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", config, "wsgi:app"], cwd=PROJECT_ROOT, env=env
    )
    worker = subprocess.Popen([sys.executable, "-m", "registry.cli", "worker"], env=env)
    site = env["REGISTRY_BASE_URL"].rstrip("/")
    click.echo(f"serving on http://{host}:{port}/")
    click.echo(f"  the public site:  {site}/")
    click.echo(f"  API docs:         {site}/docs")
    click.echo(f"  mail:             {_mail_destination()}")
    _supervise(web, worker)


def _require_free_port(host: str, port: int) -> None:
    """Stop before anything else (the demo's tokens included) when the port is taken."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(
                f"cannot serve on {host}:{port}: {error.strerror or error}. Stop what runs "
                "there, or choose another port with --port."
            ) from None


def _mail_destination() -> str:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return f"sent through {config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    return f"written to the maildir {maildir_path()} (no MAIL_SERVER set)"


def _supervise(*children: subprocess.Popen[bytes]) -> None:
    """Run until one child ends or we are told to stop; then stop them all."""

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait(timeout=30)


def register_commands(app: Flask) -> None:
    for command in (org_group, token_group, serve, adequacy_group, demo_command, worker_command):
        app.cli.add_command(command)


if __name__ == "__main__":
    cli()
