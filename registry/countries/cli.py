"""``registry adequacy check``: the data file against pycountry and the calendar."""

from __future__ import annotations

from pathlib import Path

import click

from registry import clock
from registry.countries import data


@click.group("adequacy")
def adequacy_group() -> None:
    """The EEA and adequacy data file."""


@adequacy_group.command("check")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=data.DATA_FILE,
    show_default=True,
    help="The data file to check",
)
def check_command(path: Path) -> None:
    """Check codes, dates, periods and labels in the adequacy data file."""
    checked, problems = data.check(path, today=clock.today())
    click.echo(f"Checking {path}")
    for line in checked:
        click.echo(f"  checked: {line}")
    if problems:
        for problem in problems:
            click.echo(f"  problem: {problem}", err=True)
        raise click.ClickException(f"{len(problems)} problem(s) in {path.name}")
    click.echo("OK: the adequacy data is consistent with ISO 3166 (pycountry).")
