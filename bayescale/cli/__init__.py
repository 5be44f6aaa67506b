"""The ``bayescale`` command: a thin layer over the Python API, one module per command group.

With ``--json`` stdout holds only the JSON document; progress, warnings and errors go to
stderr. Exit status: 0 on success, 2 on bad input (one line naming the problem).
"""

from bayescale.cli import (  # noqa: F401  (registers their commands)
    commands_compare,
    commands_decide,
    commands_fit,
    commands_many,
    commands_plot,
)
from bayescale.cli.common import app

__all__ = ["app"]
