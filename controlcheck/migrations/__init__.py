"""Alembic migrations of the run history, run by ``controlcheck.store`` (no alembic.ini needed)."""
