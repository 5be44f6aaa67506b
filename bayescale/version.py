"""The installed package's version (from its metadata: pyproject.toml is the one place it is written)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bayescale")
except PackageNotFoundError:  # a checkout on sys.path, never installed
    __version__ = "unknown"
