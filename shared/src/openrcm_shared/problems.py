"""RFC 9457 problem details for every error a service returns.

Application code raises the exceptions below (or lets FastAPI raise validation errors);
``install_problem_handlers`` maps all of them, in one place, to application/problem+json.
Messages never echo submitted values, so no PHI leaks through errors.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openrcm_shared.observability import current_correlation_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://openrcm.dev/problems/"
log = logging.getLogger(__name__)


class ProblemError(Exception):
    """An error with an HTTP status and a stable problem type."""

    status = 400
    type_slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extensions = extensions


class InvalidInput(ProblemError):
    status = 422
    type_slug = "validation-error"
    title = "The request has invalid fields"


class Unauthenticated(ProblemError):
    status = 401
    type_slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(ProblemError):
    status = 403
    type_slug = "forbidden"
    title = "Not allowed"


class NotFound(ProblemError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class Conflict(ProblemError):
    status = 409
    type_slug = "conflict"
    title = "Conflict with the current state"


def problem_response(
    status: int,
    type_slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
        "correlation_id": current_correlation_id(),
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=headers)


def _pointer(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'patient', 'date_of_birth') -> '/patient/date_of_birth' (JSON Pointer, RFC 6901)."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def validation_errors(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors -> [{pointer, location, message, code}], without the rejected input."""
    result = []
    for err in raw:
        loc = err.get("loc", ())
        location = loc[0] if loc and loc[0] in ("body", "query", "path", "header") else "body"
        message = err.get("msg", "invalid")
        # Custom validators raise ValueError("..."); pydantic prefixes it.
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        result.append({"pointer": _pointer(loc), "location": location, "message": message, "code": err.get("type")})
    return result


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(
            exc.status, exc.type_slug, exc.title, exc.detail,
            instance=request.url.path, errors=exc.errors, headers=headers, **exc.extensions,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        return problem_response(
            422, InvalidInput.type_slug, InvalidInput.title,
            f"{len(errors)} field(s) are invalid; see `errors`.",
            instance=request.url.path, errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthenticated", 403: "forbidden"}.get(
            exc.status_code, "http-error"
        )
        return problem_response(
            exc.status_code, slug, str(exc.detail), str(exc.detail), instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The route template, not the path: a path can hold a patient identifier.
        route = request.scope.get("route")
        log.exception("unhandled error", extra={"route": getattr(route, "path", "unknown"), "method": request.method})
        return problem_response(
            500, "internal-error", "Internal error",
            "The request failed unexpectedly; nothing was changed. Quote the correlation id when reporting it.",
            instance=request.url.path,
        )
