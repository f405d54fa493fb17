"""``Idempotency-Key`` on POST (API.md): same key + same body -> the first answer again;
same key + another body -> 422; a retry while the first is running -> 409.

Keys are scoped to the organization and the caller and kept for the retention period in
Postgres (through the IdempotencyStore port). Answers to expected failures (4xx) are kept
too, like Stripe does; an unexpected failure frees the key so the retry runs. When it
cannot even free the key (the database is down), the claim's lease frees it: the same
retry runs once the lease has run out, and a retry before that gets 409 with
``Retry-After`` saying how long is left.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import structlog
from fastapi import Depends, Header, Request, Response

from api.deps import CurrentPrincipal, app_state
from api.rest.problems import domain_problem, problem_response
from domain.errors import DomainError, FieldError, RuleViolation
from service.auth import Principal
from service.ports import StoredResponse

_KEPT_HEADERS = ("location", "etag", "content-type")
_MAX_KEY_LENGTH = 255

log = structlog.get_logger("okr.api")


class Idempotency:
    def __init__(self, request: Request, principal: Principal, key: str | None) -> None:
        self._request = request
        self._principal = principal
        self._key = key

    async def run(
        self,
        produce: Callable[[], Awaitable[Response]],
        *,
        kept_body: Callable[[bytes], bytes] | None = None,
    ) -> Response:
        """Answer with ``produce()``, or with the stored answer of an earlier identical call.

        ``kept_body``: what of the answer's body is stored for a replay (a secret shown once
        is left out of it), when not all of it."""
        if self._key is None:
            return await self._answer(produce)
        if not 0 < len(self._key) <= _MAX_KEY_LENGTH:
            raise RuleViolation(
                "Idempotency-Key must be 1 to 255 characters",
                code="validation_failed",
                errors=[FieldError("Idempotency-Key", "1 to 255 characters", "invalid")],
            )
        state = app_state(self._request)
        store = state.services.idempotency
        org_id, caller, key = self._principal.organization_id, self._principal.subject, self._key
        body = await self._request.body()
        request_hash = hashlib.sha256(
            self._request.method.encode() + b" " + self._request.url.path.encode() + b"\n" + body
        ).hexdigest()
        now = state.services.deps.clock.now()
        existing = await store.claim(
            organization_id=org_id, caller=caller, key=key, request_hash=request_hash, now=now
        )
        if existing is not None:
            if existing.request_hash != request_hash:
                raise RuleViolation(
                    "this Idempotency-Key was used with another request; use a new key",
                    code="idempotency_key_reused",
                )
            if existing.response is None:
                return self._in_flight(existing.lease_ends_at, now)
            stored = existing.response
            return Response(
                stored.body,
                status_code=stored.status,
                headers={**stored.headers, "Idempotent-Replayed": "true"},
            )
        try:
            response = await self._answer(produce)
        except BaseException:
            # Best effort: when the database is down the release fails too, and the client
            # must see the outage, not the release's error; the lease frees the key then.
            try:
                await store.release(organization_id=org_id, caller=caller, key=key, claimed_at=now)
            except Exception as error:
                log.warning("idempotency_release_failed", error_type=type(error).__name__)
            raise
        stored_response = StoredResponse(
            status=response.status_code,
            body=kept_body(bytes(response.body)) if kept_body else bytes(response.body),
            headers={k: v for k, v in response.headers.items() if k in _KEPT_HEADERS},
        )
        try:
            await store.complete(
                organization_id=org_id,
                caller=caller,
                key=key,
                claimed_at=now,
                response=stored_response,
            )
        except Exception as error:
            # The write is committed: answering an error would make the client retry it,
            # and after the lease the retry would run the write a second time.
            log.warning("idempotency_complete_failed", error_type=type(error).__name__)
        return response

    def _in_flight(self, lease_ends_at: datetime | None, now: datetime) -> Response:
        left = (lease_ends_at - now).total_seconds() if lease_ends_at is not None else 1
        return problem_response(
            self._request,
            status=409,
            code="idempotency_in_flight",
            detail="a request with this Idempotency-Key is still running; "
            "retry after Retry-After seconds",
            headers={"Retry-After": str(max(1, math.ceil(left)))},
        )

    async def _answer(self, produce: Callable[[], Awaitable[Response]]) -> Response:
        try:
            return await produce()
        except DomainError as error:
            return domain_problem(self._request, error)


async def _idempotency(
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Any unique string (a UUID): a retry with the same key and body "
            "returns the first answer instead of creating twice.",
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(request, principal, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]
