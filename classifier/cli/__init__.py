"""Command line: ``classifier train | score | explain | review | serve | evaluate | dedup | info``.

One small module per command: each checks its options, calls one function of the domain
packages and prints the result. Problems a user can fix end with one line on stderr.

Exit codes: 0 success; 1 an error in the input, data, model or a file (nothing written); 2 a
usage error; 3 partial success (``score`` skipped malformed input lines); 130 interrupted
(Ctrl-C); 143 terminated (SIGTERM, e.g. ``kill`` or ``timeout``). No traceback reaches a user:
set ``CLASSIFIER_DEBUG=1`` to see one for an unexpected error.
"""

from __future__ import annotations

import os
import signal
import sys

import click

from classifier import __version__
from classifier._core import CORE_NAME
from classifier._errors import ClassifierError
from classifier.cli._options import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from classifier.cli.dedup import dedup_cmd
from classifier.cli.evaluate import evaluate_cmd
from classifier.cli.explain import explain_cmd
from classifier.cli.info import info_cmd
from classifier.cli.review import review_cmd
from classifier.cli.score import score_cmd
from classifier.cli.serve import serve_cmd
from classifier.cli.train import train_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="classifier",
                      message=f"%(prog)s %(version)s (core: {CORE_NAME})")
def cli() -> None:
    """Triage scores for online ads that may be linked to human trafficking.

    Scores are signals for human review, never proof: the training labels are suspicion
    judgements, not confirmed cases.
    """


for command in (train_cmd, score_cmd, explain_cmd, review_cmd, serve_cmd, evaluate_cmd,
                dedup_cmd, info_cmd):
    cli.add_command(command)


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so that temporary files and workers go."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one line and an exit code."""
    previous = None
    if threading_main():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(args=argv, prog_name="classifier", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_ERROR)
    except ClassifierError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); nothing left to say
        sys.exit(EXIT_OK)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Terminated:
        click.echo("terminated", err=True)
        sys.exit(128 + signal.SIGTERM)
    except OSError as exc:  # a file or disk problem no layer below put into words
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"error: {where}{exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)
    except MemoryError:
        click.echo("error: out of memory; try a smaller --chunksize or fewer --jobs", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if os.environ.get("CLASSIFIER_DEBUG"):
            raise
        click.echo(f"error: unexpected {type(exc).__name__}: {exc} (a bug: please report it; "
                   "CLASSIFIER_DEBUG=1 shows the traceback)".replace("\n", " "), err=True)
        sys.exit(EXIT_ERROR)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def threading_main() -> bool:
    """Whether this is the main thread (the only one that may set signal handlers)."""
    import threading

    return threading.current_thread() is threading.main_thread()


__all__ = ["cli", "main"]
