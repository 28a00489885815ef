"""HTTP scoring service: ``classifier serve`` and the ASGI app behind it.

::

    from classifier.serve import ServeOptions, create_app, run
    app = create_app(classifier.load_model("models/m"), ServeOptions(model_dir=Path("models/m")))
    run(ServeOptions(model_dir=Path("models/m"), workers=2))

Needs the ``serve`` extra (``pip install 'classifier[serve]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from classifier.serve._options import ServeOptions, is_loopback

if TYPE_CHECKING:
    from fastapi import FastAPI

    from classifier import Model


def create_app(model: Model, options: ServeOptions) -> FastAPI:
    """The FastAPI (ASGI) app scoring with a loaded ``model``; see ``classifier.serve._app``."""
    from classifier.serve._app import create_app as _create_app

    return _create_app(model, options)


def run(options: ServeOptions) -> None:
    """Serve with uvicorn until SIGTERM; see :func:`classifier.serve._server.run`."""
    from classifier.serve._server import run as _run

    _run(options)


__all__ = ["ServeOptions", "create_app", "is_loopback", "run"]
