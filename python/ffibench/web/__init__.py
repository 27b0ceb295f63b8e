"""The Flask twin of the axum API (``crates/server``): the same routes, statuses and bodies, as
``openapi.json`` beside this module specifies them.

Two apps, one factory: ``app`` does the work in Python over the spec, ``pyo3_app`` hands it to
the Rust core through the PyO3 module (made on first access, so the Python app never imports
the extension). Any WSGI server runs either::

    python -m flask --app ffibench.web:app run
    python -m gunicorn -w 2 ffibench.web:pyo3_app

Routing follows axum's: no merging of repeated slashes, no automatic OPTIONS (405 there), HEAD
wherever GET. Every error, Werkzeug's own included, becomes the contract's JSON body. The
people store is a dict in this process, or the SQLite file named by ``FFIBENCH_WEB_STORE``
for servers of several processes (:mod:`ffibench.web.store`).

Examples
--------
>>> client = create_app("python").test_client()
>>> client.post("/stats", data=b"[1, 2.5, 4]").json
{'count': 3, 'sum': 7.5, 'mean': 2.5, 'min': 1.0, 'max': 4.0}
>>> response = client.get("/people/01")
>>> response.status_code, response.json
(404, {'error': 'not_found', 'message': 'no such route'})
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.routing import BaseConverter

from ffibench.web.body import read_json
from ffibench.web.errors import (
    MAX_BODY_BYTES,
    METHOD_NOT_ALLOWED,
    NO_ROUTE,
    STORE_FULL,
    TOO_LARGE,
    ApiError,
    no_person,
)
from ffibench.web.store import Store, StoreFull, open_store
from ffibench.web.work import (
    BACKENDS,
    Work,
    make_work,
    numbers_of,
    operands_of,
    parse_k,
    person_of,
    text_of,
)

# pyo3_app too, through __getattr__; not in __all__, so that `import *` does not make it.
__all__ = ["BACKENDS", "OPENAPI", "app", "create_app"]

#: The contract, byte for byte, as ``GET /openapi.json`` serves it.
OPENAPI: bytes = resources.files(__name__).joinpath("openapi.json").read_bytes()
#: Where an app keeps its work and store (``app.extensions[...]``).
_EXTENSION = "ffibench.web"


class PersonIdConverter(BaseConverter):
    """A person's id: 0 to 999999999999999999 in decimal, no leading zeros; any other segment
    matches no route (404 ``no such route``)."""

    regex = "0|[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))


class _State:
    """An app's own objects: the work over its backend and the people store."""

    def __init__(self, work: Work, store: Store) -> None:
        self.work = work
        self.store = store


def _state() -> _State:
    state: _State = current_app.extensions[_EXTENSION]
    return state


def _body() -> Any:
    """The request's body as JSON (413 past the limit, 400 when it is not JSON)."""
    try:
        raw = _read_body()
    except HTTPException:
        raise  # 413, before or while reading
    except Exception:
        # The server's stream failed: broken chunked framing (werkzeug's OSError "Invalid
        # chunk header", gunicorn's InvalidChunkSize, ...). Bytes that cannot be read are no
        # JSON text: 400, as axum answers, not the 500 of an unhandled exception.
        raise ApiError.malformed() from None
    return read_json(raw)


def _read_body() -> bytes:
    """The request's bytes (413 past the limit)."""
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        # Werkzeug answers 413 for a Content-Length over MAX_CONTENT_LENGTH before reading.
        return request.get_data(cache=False)
    # A chunked body: Werkzeug's stream stops at MAX_CONTENT_LENGTH without a word, so read
    # one byte more from the server's own (terminated) stream and judge it here.
    stream = request.input_stream
    chunks, wanted = [], MAX_BODY_BYTES + 1
    while wanted > 0 and (chunk := stream.read(wanted)):
        chunks.append(chunk)
        wanted -= len(chunk)
    if wanted <= 0:
        raise RequestEntityTooLarge()
    return b"".join(chunks)


api = Blueprint("api", __name__)


@api.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@api.get("/openapi.json")
def openapi() -> Response:
    return Response(OPENAPI, mimetype="application/json")


@api.post("/stats")
def stats() -> dict[str, Any]:
    return _state().work.stats(numbers_of(_body()))


@api.post("/words/top")
def words_top() -> dict[str, Any]:
    text = text_of(_body())  # the body's errors come before k's (a value: checked last)
    return _state().work.top_words(text, parse_k(request.args.getlist("k")))


@api.get("/people/<person_id:person_id>")
def get_person(person_id: int) -> dict[str, Any]:
    record = _state().store.get(person_id)
    if record is None:
        raise ApiError.not_found(no_person(person_id))
    name, age, salary = record
    return {"id": person_id, "name": name, "age": age, "salary": salary}


@api.put("/people/<person_id:person_id>")
def put_person(person_id: int) -> tuple[dict[str, Any], int]:
    state = _state()
    name, age, salary = state.work.person(*person_of(_body()))
    try:
        created = state.store.put(person_id, (name, age, salary))
    except StoreFull:
        raise ApiError.invalid(STORE_FULL) from None
    body = {"id": person_id, "name": name, "age": age, "salary": salary}
    return body, 201 if created else 200


@api.delete("/people/<person_id:person_id>")
def delete_person(person_id: int) -> Response:
    if not _state().store.delete(person_id):
        raise ApiError.not_found(no_person(person_id))
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body, so no type
    return response


@api.post("/matmul")
def matmul() -> dict[str, Any]:
    a, b = operands_of(_body())
    return {"c": _state().work.matmul(a, b)}


def _no_leading_slashes_merged() -> None:
    """404 for a path that starts with ``//`` (``/%2Fhealth`` decoded, or ``//health`` from a
    server that passes it on): Werkzeug's router strips a path's leading slashes before it
    matches (``MapAdapter.match``), whatever ``merge_slashes`` says, where the contract merges
    no slashes and axum finds no route."""
    if request.environ.get("PATH_INFO", "").startswith("//"):
        raise ApiError.not_found(NO_ROUTE)


def _api_error(error: ApiError) -> tuple[dict[str, str], int]:
    return error.body(), error.status


#: Werkzeug's errors that the contract names, as its errors.
_HTTP_ERRORS = {
    400: ApiError.malformed(),  # a body that could not be read (a broken chunked encoding)
    404: ApiError.not_found(NO_ROUTE),
    405: ApiError(405, "method_not_allowed", METHOD_NOT_ALLOWED),
    413: ApiError(413, "too_large", TOO_LARGE),
}


def _http_error(error: HTTPException) -> tuple[dict[str, str], int, dict[str, str]]:
    code = error.code or 500
    known = _HTTP_ERRORS.get(code)
    if known is not None:
        body = known.body()
    else:  # outside the contract (a bug: 500); still JSON
        body = {"error": error.name.lower().replace(" ", "_"), "message": error.description or ""}
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return body, code, headers


def create_app(backend: str = "python") -> Flask:
    """A Flask app serving the API, its work done by ``backend``: ``"python"`` (the spec) or
    ``"pyo3"`` (the Rust core through PyO3). Its store: see :func:`ffibench.web.store.open_store`.

    Examples
    --------
    >>> create_app("pyo3").test_client().post("/words/top?k=1", json={"text": "a b a"}).json
    {'total': 3, 'top': [{'word': 'a', 'count': 2}]}
    """
    work = make_work(backend)
    flask_app = Flask(__name__)
    flask_app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, PROVIDE_AUTOMATIC_OPTIONS=False)
    flask_app.url_map.merge_slashes = False  # axum does not merge "//" either
    flask_app.url_map.converters["person_id"] = PersonIdConverter
    flask_app.json.sort_keys = False  # type: ignore[attr-defined]  # the order the routes build
    flask_app.extensions[_EXTENSION] = _State(work, open_store())
    flask_app.before_request(_no_leading_slashes_merged)  # before the router's 404 or 405
    flask_app.register_blueprint(api)
    flask_app.register_error_handler(ApiError, _api_error)
    flask_app.register_error_handler(HTTPException, _http_error)
    return flask_app


#: The API over the pure-Python spec: ``ffibench.web:app``.
app = create_app("python")


@functools.cache
def _pyo3_app() -> Flask:
    return create_app("pyo3")


def __getattr__(name: str) -> Any:
    """``pyo3_app``, made on first access: the API over the PyO3 backend."""
    if name == "pyo3_app":
        return _pyo3_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
