"""The audit tests use the parties, change and objection of the objection tests."""

from tests.objections.conftest import change, objection, world

__all__ = ["change", "objection", "world"]
