"""Alembic environment for Flask-Migrate: the app's engine and metadata, SQLite and PostgreSQL."""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from alembic.operations import ops
from flask import current_app

from registry.types import UTCDateTime

config = context.config

# Configure logging from alembic.ini only when nothing else has (the CLI); never under a test
# runner or a server that set up its own handlers, and never silence loggers that exist already.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Write the app's column types as plain SQLAlchemy types, so a revision never depends on
    code that may change after it was written (the DDL is the same)."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, sa.JSON) and "postgresql" in getattr(obj, "_variant_mapping", {}):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')"
    return False


def defer_cyclic_foreign_keys(script):
    """Create foreign keys marked use_alter after every table exists, and drop them first.

    PostgreSQL leaves a use_alter key out of CREATE TABLE (the table it points to may not exist
    yet) and Alembic would never add it; SQLite writes it inline. Adding it afterwards in batch
    mode works on both: an ALTER on PostgreSQL, a table rebuild on SQLite.
    """
    deferred = []
    for op in script.upgrade_ops.ops:
        if not isinstance(op, ops.CreateTableOp):
            continue
        keys = [
            item
            for item in op.columns
            if isinstance(item, sa.ForeignKeyConstraint) and item.use_alter
        ]
        # Identity, not ==: a Column's == builds a SQL expression.
        op.columns = [item for item in op.columns if not any(item is key for key in keys)]
        deferred.extend((op.table_name, key) for key in keys)
    for table_name, key in deferred:
        script.upgrade_ops.ops.append(
            ops.ModifyTableOps(table_name, [ops.CreateForeignKeyOp.from_constraint(key)])
        )
        script.downgrade_ops.ops.insert(
            0, ops.ModifyTableOps(table_name, [ops.DropConstraintOp.from_constraint(key)])
        )


# SQLite cannot ALTER most things: batch mode rebuilds the table instead (fine on PostgreSQL).
COMMON_OPTIONS = {"render_as_batch": True, "compare_type": True, "render_item": render_item}


def run_migrations_offline():
    """Emit SQL to stdout (``registry db upgrade --sql``) without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=get_metadata(),
        literal_binds=True,
        **COMMON_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations against the app's database."""

    def process_revision_directives(context, revision, directives):
        # `registry db migrate` with nothing to change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")
            else:
                defer_cyclic_foreign_keys(script)

    conf_args = {**COMMON_OPTIONS, **current_app.extensions["migrate"].configure_args}
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
