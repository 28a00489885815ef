"""Options of the scoring service, and the checks made before it starts."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import socket
from dataclasses import dataclass
from pathlib import Path

from classifier._errors import ClassifierError

#: Largest request body accepted, in bytes (413 above it). 100 ads of 20,000 characters,
#: the longest text scored in full, take about 2 MB; this leaves room for non-ASCII text.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Most ads accepted in one request (422 above it).
MAX_ADS = 1_000
#: Seconds that in-flight requests get to finish after SIGTERM.
GRACEFUL_SECONDS = 30


@dataclass(frozen=True)
class ServeOptions:
    """Everything the service needs, passed down as one object (and to worker processes)."""

    model_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    token_file: Path | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_ads: int = MAX_ADS
    graceful_seconds: float = GRACEFUL_SECONDS
    access_log: bool = False

    def to_json(self) -> str:
        """The options as JSON, to hand them to worker processes."""
        values = dataclasses.asdict(self)
        for name in ("model_dir", "token_file"):
            values[name] = None if values[name] is None else str(values[name])
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> ServeOptions:
        values = json.loads(text)
        values["model_dir"] = Path(values["model_dir"])
        if values["token_file"] is not None:
            values["token_file"] = Path(values["token_file"])
        return cls(**values)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def read_token(path: Path) -> str:
    """The bearer token in file ``path`` (surrounding whitespace ignored)."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ClassifierError(f"{path}: cannot read the token file ({exc})") from exc
    if not token:
        raise ClassifierError(f"{path}: the token file is empty")
    if any(c.isspace() for c in token) or not token.isprintable():
        raise ClassifierError(f"{path}: the token must be one line of printable characters")
    return token


def check_options(options: ServeOptions) -> None:
    """Refuse options that would expose the service or cannot work, with a one-line error."""
    if not is_loopback(options.host) and options.token_file is None:
        raise ClassifierError(
            f"refusing to listen on non-loopback host {options.host!r} without --token-file "
            "(or keep the default 127.0.0.1 behind a reverse proxy)"
        )
    if options.token_file is not None:
        read_token(options.token_file)
    if options.workers < 1 or options.max_ads < 1 or options.max_body_bytes < 1:
        raise ClassifierError("workers, max_ads and max_body_bytes must be at least 1")


def check_port(host: str, port: int) -> None:
    """Fail with one line now if ``host:port`` cannot be bound, not after loading the model."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            sock.bind(address)
    except OSError as exc:
        raise ClassifierError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
