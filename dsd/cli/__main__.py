"""``python -m dsd.cli``."""

from dsd.cli import app

app()
