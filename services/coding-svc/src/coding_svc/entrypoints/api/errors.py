"""Domain refusals of the coding workflow as problem+json, in one place.

Routes of the workflow use ``WorkflowRoute``: a ``WorkflowError`` a use case raises becomes a 409
problem whose type is the refusal's slug (``claimed-by-another-coder``, ``claim-expired`` ...), with
the refusal's ids and states as extension members; a release the edits block becomes a 422 listing
the findings.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from coding_svc.domain.encounter import ReleaseBlocked, WorkflowError
from coding_svc.entrypoints.api.schemas import findings_out
from openrcm_shared.problems import Conflict, ProblemError


class WorkflowConflict(Conflict):
    def __init__(self, exc: WorkflowError) -> None:
        super().__init__(exc.message, **exc.details)
        self.type_slug = exc.slug
        self.title = exc.title


class ReleaseBlockedProblem(ProblemError):
    status = 422
    type_slug = ReleaseBlocked.slug
    title = ReleaseBlocked.title

    def __init__(self, exc: ReleaseBlocked) -> None:
        super().__init__(exc.message, **exc.details, findings=findings_out(exc.findings))


def problem_of(exc: WorkflowError) -> ProblemError:
    if isinstance(exc, ReleaseBlocked):
        return ReleaseBlockedProblem(exc)
    return WorkflowConflict(exc)


class WorkflowRoute(APIRoute):
    """A route whose domain refusals are answered as problems (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer_refusals(request: Request) -> Response:
            try:
                return await handler(request)
            except WorkflowError as exc:
                raise problem_of(exc) from None

        return answer_refusals
