"""The ASGI application: routes, request and response schemas, limits and authentication."""

# No `from __future__ import annotations`: FastAPI reads the annotations of the endpoints
# defined inside create_app at run time.
import hmac
import json
import logging
import os
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Annotated, Any, Self

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, model_validator
from starlette.exceptions import HTTPException

from classifier import __version__
from classifier.serve._metrics import Metrics, MetricsMiddleware
from classifier.serve._options import ServeOptions, read_token
from classifier.serve._scorer import AdText, Batcher, RequestScorer

if TYPE_CHECKING:
    from classifier import Model

logger = logging.getLogger("classifier.serve")
#: Environment variable holding the JSON options of worker processes.
OPTIONS_ENV = "CLASSIFIER_SERVE_OPTIONS"
_NO_AUTH_PATHS = ("/healthz",)


# What the validator of Ad checks, said in the schema: text, or title and/or body.
_TEXT_OR_PARTS = [
    {"required": ["text"], "not": {"anyOf": [{"required": ["title"]}, {"required": ["body"]}]}},
    {"required": ["title"], "not": {"required": ["text"]}},
    {"required": ["body"], "not": {"required": ["text"]}},
]


class Ad(BaseModel):
    """One ad: ``text``, or ``title`` and/or ``body`` (joined with a newline)."""

    # Fields default to None but do not accept null, so the schema says just what is valid.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": _TEXT_OR_PARTS})
    id: StrictStr | StrictInt = Field(
        None, description="Copied to the result; default: the ad's 0-based position.")
    text: StrictStr = Field(None, description="The ad's text.")
    title: StrictStr = Field(None, description="Title, scored with body as one text.")
    body: StrictStr = Field(None, description="Body, scored with title as one text.")

    @model_validator(mode="after")
    def _one_text(self) -> Self:
        if self.text is not None and (self.title is not None or self.body is not None):
            raise ValueError("give either text or title/body, not both")
        if self.text is None and self.title is None and self.body is None:
            raise ValueError("give text, or title and/or body")
        return self


class Result(BaseModel):
    """The score of one ad: the columns of ``classifier score``."""

    id: StrictStr | StrictInt
    score: float = Field(description="Probability of the 'suspicious' class.")
    flagged: bool = Field(description="score >= threshold: queue the ad for human review.")
    threshold: float
    reasons: str = Field(description="Top signed feature contributions to the log-odds.")
    indicators: str = Field(description="Fired indicators, joined with ';'.")
    model: str = Field(description="Id of the model that gave the score.")
    status: str = Field(description="ok, empty_text, truncated (cut to 20,000 characters) "
                                    "or invalid_utf8 (the text holds U+FFFD).")


class ScoreResponse(BaseModel):
    results: list[Result]


class ErrorResponse(BaseModel):
    error: str
    detail: list[dict[str, Any]] | None = None


def _error(status: int, message: str, detail: list | None = None, **headers) -> JSONResponse:
    content: dict[str, Any] = {"error": message}
    if detail is not None:
        content["detail"] = detail
    return JSONResponse(content, status_code=status, headers=headers or None)


def public_manifest(manifest: dict) -> dict:
    """The model manifest without file-system paths (a training file becomes its name)."""

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, str) and _is_absolute_path(value):
            return _file_name(value)
        return value

    public = scrub(manifest)
    source = public.get("training_data", {}).get("source")
    if isinstance(source, str):  # the --data file as given, perhaps relative
        public["training_data"]["source"] = _file_name(source)
    return public


def _is_absolute_path(value: str) -> bool:
    return value.startswith(("/", "~", "\\\\")) or (
        len(value) > 2 and value[0].isalpha() and value[1] == ":" and value[2] in "\\/")


def _file_name(value: str) -> str:
    return PureWindowsPath(value).name if "\\" in value else PurePosixPath(value).name


def _is_json(scope) -> bool:
    content_type = dict(scope["headers"]).get(b"content-type", b"application/json")
    media_type = content_type.partition(b";")[0].strip().lower()
    return media_type == b"application/json" or media_type.endswith(b"+json")


class LimitsAndAuth:
    """ASGI middleware: bearer-token check, then the body size limit.

    The body is read here, up to the limit, so that a large body is refused with 413 before
    anything parses it, whether or not the client sent a Content-Length.
    """

    def __init__(self, app, token: str | None, max_body_bytes: int):
        self.app = app
        self.token = None if token is None else token.encode()
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        needs_token = self.token is not None and scope["path"] not in _NO_AUTH_PATHS
        if needs_token and not self._authorized(scope):
            await _error(401, "missing or wrong bearer token",
                         **{"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        too_large = _error(413, f"request body larger than {self.max_body_bytes} bytes")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await too_large(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body_bytes:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False
        if body and scope["method"] == "POST" and not _is_json(scope):
            await _error(415, "send the body as JSON (Content-Type: application/json)")(
                scope, receive, send)
            return

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _authorized(self, scope) -> bool:
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, given = header.partition(b" ")
        # compare_digest takes as long whatever the first differing byte.
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)


def create_app(model: "Model", options: ServeOptions) -> FastAPI:
    """The scoring service for a loaded ``model``, configured by ``options``."""
    scorer = RequestScorer(model)
    scorer.warm_up()
    metrics = Metrics()
    manifest = public_manifest(model.manifest)
    token = None if options.token_file is None else read_token(options.token_file)
    # One batch at a time per worker, scored in a thread: the event loop stays free to
    # read requests (which join the next batch) and to answer /healthz and /metrics.
    batcher = Batcher(scorer, options.max_ads)

    class ScoreRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        ads: Annotated[list[Ad], Field(max_length=options.max_ads,
                                       description=f"At most {options.max_ads} ads.")]

    app = FastAPI(
        title="classifier",
        version=__version__,
        description="Triage scores for online ads that may be linked to human trafficking. "
                    "Scores are signals for human review, never proof.",
        docs_url="/docs", redoc_url=None,
    )
    auth = {}
    if token is not None:
        auth[401] = {"model": ErrorResponse, "description": "Missing or wrong bearer token"}
    errors = {**auth,
              400: {"model": ErrorResponse, "description": "Body not UTF-8 JSON"},
              413: {"model": ErrorResponse, "description": "Body too large"},
              415: {"model": ErrorResponse, "description": "Body not sent as JSON"},
              422: {"model": ErrorResponse, "description": "Invalid request"}}

    @app.post("/v1/score", response_model=ScoreResponse, responses=errors)
    async def score(request: ScoreRequest) -> Response:
        """Score ads; one result per ad, in input order, as ``classifier score`` gives."""
        ads = [AdText(id=i if ad.id is None else ad.id, text=ad.text, title=ad.title,
                      body=ad.body) for i, ad in enumerate(request.ads)]
        results = await batcher.score(ads)
        metrics.ads.inc(len(results))
        return Response(json.dumps({"results": results}, ensure_ascii=False, allow_nan=False),
                        media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> dict:
        """Liveness: the model is loaded; never needs the token."""
        return {"status": "ok", "model": scorer.model.model_id}

    @app.get("/v1/model", responses=auth)
    async def model_info() -> dict:
        """The model's manifest (provenance, threshold, metrics, versions), without paths."""
        return manifest

    @app.get("/metrics", response_class=Response, responses=auth)
    async def prometheus() -> Response:
        """Prometheus metrics of all workers: requests, ads, latency histogram, errors."""
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Without the "input" pydantic echoes: it can be a whole ad, or a whole body.
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                   "type": e.get("type", "")} for e in exc.errors()]
        return _error(422, "invalid request", detail)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not decode the body
            return _error(400, "the body is not valid UTF-8 JSON")
        return _error(exc.status_code, str(exc.detail), **(exc.headers or {}))

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("error answering %s %s", request.method, request.url.path)
        return _error(500, "internal error")

    if token is not None:
        _declare_bearer(app)
    app.add_middleware(LimitsAndAuth, token=token, max_body_bytes=options.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _declare_bearer(app: FastAPI) -> None:
    """Say in the OpenAPI schema that every path but /healthz needs the bearer token."""
    original = app.openapi

    def openapi() -> dict:
        schema = original()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}}
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                operation["security"] = [] if path in _NO_AUTH_PATHS else [{"bearer": []}]
        return schema

    app.openapi = openapi


def app_from_env() -> FastAPI:
    """App factory of worker processes: options from the environment, model from disk."""
    from classifier import load_model

    options = ServeOptions.from_json(os.environ[OPTIONS_ENV])
    return create_app(load_model(options.model_dir), options)
