import click

adequacy_group = click.Group("adequacy", help="The adequacy data file.")
