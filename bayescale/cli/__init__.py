"""The ``bayescale`` command: a thin layer over the Python API, one module per command group.

With ``--json`` stdout holds only the JSON document; progress, warnings and errors go to
stderr. Exit status: 0 on success, 2 on bad input (one line naming the problem).
"""

import gc

from bayescale.cli import (  # noqa: F401  (registers their commands)
    commands_compare,
    commands_decide,
    commands_fit,
    commands_many,
    commands_plot,
)
from bayescale.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the ``bayescale`` command, then let the process end without a last garbage collection:
    after a fit, collecting every object of PyTensor's graphs on the way out takes about 0.7 s,
    and the operating system frees the memory anyway."""
    try:
        app()
    finally:
        gc.freeze()
