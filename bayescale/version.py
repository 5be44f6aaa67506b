"""The installed package's version (from its metadata: pyproject.toml is the one place it is written)."""

from importlib.metadata import version

__version__ = version("bayescale")
