"""Command line: ``classifier train | score | explain | review | serve | evaluate | dedup | info``.

One small module per command: each checks its options, calls one function of the domain
packages and prints the result. Problems a user can fix end with one line on stderr.

Exit codes: 0 success; 1 an error in the input, data or model (nothing written); 2 a usage
error; 3 partial success (``score`` skipped malformed input lines); 130 interrupted.
"""

from __future__ import annotations

import sys

import click

from classifier import __version__
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
@click.version_option(__version__, prog_name="classifier")
def cli() -> None:
    """Triage scores for online ads that may be linked to human trafficking.

    Scores are signals for human review, never proof: the training labels are suspicion
    judgements, not confirmed cases.
    """


for command in (train_cmd, score_cmd, explain_cmd, review_cmd, serve_cmd, evaluate_cmd,
                dedup_cmd, info_cmd):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one line and an exit code."""
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


__all__ = ["cli", "main"]
