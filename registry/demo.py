import click


@click.command("demo")
def demo_command() -> None:
    """Load demo data."""


def load_demo():  # type: ignore[no-untyped-def]
    return None


def print_demo(result) -> None:  # type: ignore[no-untyped-def]
    pass
