"""360 reviews (360度评价): review cycles, participants, responses, results and completion.

Admins and HR run a review cycle (draft -> collecting -> closed -> published); reviewers
answer their assignments while it collects; results appear once it is published. Who the
peers are and what each of them said is never in an answer, apart from the assignment list
admins and HR read (who was asked, never who answered).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.rest.dependencies import CurrentPrincipal, PageDep, UseCaseDeps
from api.rest.http import IfMatch, expected_version, resource_response
from api.rest.idempotency import IdempotencyDep
from api.rest.problems import error_responses
from api.rest.schemas import Page
from api.rest.sorting import SyncPageDep
from api.reviews import csv as review_csv
from api.reviews.shapes import (
    CompletionOut,
    EnrolmentOut,
    MyReviewOut,
    ParticipantDetailOut,
    ParticipantOut,
    ParticipantsAdd,
    PeerNomination,
    ResponseIn,
    ReviewCycleCreate,
    ReviewCycleOut,
    ReviewCyclePatch,
    ReviewResultOut,
)
from domain.errors import FieldError, RuleViolation
from domain.reviews import ReviewCycle, ReviewPhase
from service import pagination, review_responses, review_results, reviews
from service.auth import Principal
from service.context import Deps
from service.pagination import MAX_LIMIT, PageRequest
from service.review_ports import ReviewCycleFilter
from service.review_results import RevieweeResult

router = APIRouter(tags=["reviews"])

_CYCLES = "/v1/review-cycles"
_ONE_CYCLE = _CYCLES + "/{review_cycle_id}"
_ASSIGNMENT = "/v1/review-assignments/{assignment_id}"

# The domain names the setup's parts as it stores them; a REST client sent `weights.self`.
_WEIGHT_FIELDS = {
    "weight_self": "weights.self",
    "weight_peer": "weights.peer",
    "weight_manager": "weights.manager",
    "weight_skip_level": "weights.skip_level",
}
_PEER_FIELDS = {"peers": "peer_ids"}

# Reviewees per page read for the CSV export: the response holds one page at a time.
CSV_PAGE_SIZE = MAX_LIMIT


@contextmanager
def _fields_named(names: Mapping[str, str]) -> Iterator[None]:
    """Report field errors under the names of the request body (``peers[2]`` -> ``peer_ids[2]``)."""

    def renamed(field: str) -> str:
        head, bracket, rest = field.partition("[")
        return names.get(head, head) + bracket + rest

    try:
        yield
    except RuleViolation as refused:
        if not any(renamed(e.field) != e.field for e in refused.errors):
            raise
        raise RuleViolation(
            refused.detail,
            code=refused.code,
            errors=[FieldError(renamed(e.field), e.message, e.code) for e in refused.errors],
            extra=refused.extra,
        ) from refused


def _review_cycle_response(review_cycle: ReviewCycle, *, status: int = 200) -> Response:
    return resource_response(
        ReviewCycleOut.of(review_cycle),
        version=review_cycle.version,
        status=status,
        location=f"{_CYCLES}/{review_cycle.id}" if status == 201 else None,
    )


# -- review cycles ---------------------------------------------------------------------------


@router.get(
    _CYCLES,
    summary="List review cycles",
    description="360 review cycles of your organization, oldest first. Filter by `cycle_id` "
    "(the OKR cycle reviewed) or `phase`.",
    response_model=Page[ReviewCycleOut],
    responses=error_responses(401, 403, 422),
)
async def list_review_cycles(
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: SyncPageDep,
    cycle_id: UUID | None = None,
    phase: ReviewPhase | None = None,
) -> Page[ReviewCycleOut]:
    found = await reviews.list_review_cycles(
        deps, principal, ReviewCycleFilter(cycle_id=cycle_id, phase=phase), page
    )
    return Page(items=[ReviewCycleOut.of(rc) for rc in found.items], next_cursor=found.next_cursor)


@router.post(
    _CYCLES,
    status_code=201,
    summary="Create a review cycle",
    description="Admins and HR create a 360 review cycle for an OKR cycle, in `draft`, with "
    "its questions (rated 1 to 5). `weights` (self, peer, manager, skip_level: each 0 to 1, "
    "summing to 1), `peer_anonymity_threshold` and the peer bounds default to the "
    "organization's review settings. Invalid setup: 422 `validation_failed`, every bad field "
    "listed; an unknown OKR cycle: 422 `unknown_reference`. Honours `Idempotency-Key`.",
    response_model=ReviewCycleOut,
    responses=error_responses(401, 403, 409, 422),
)
async def create_review_cycle(
    body: ReviewCycleCreate,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        with _fields_named(_WEIGHT_FIELDS):
            review_cycle = await reviews.create_review_cycle(deps, principal, body.to_new())
        return _review_cycle_response(review_cycle, status=201)

    return await idempotency.run(produce)


@router.get(
    _ONE_CYCLE,
    summary="Get a review cycle",
    description="One review cycle with its questions, weights, anonymity threshold, peer "
    "bounds and phase. Every member may read it: its questions are what they answer.",
    response_model=ReviewCycleOut,
    responses=error_responses(401, 403, 404),
)
async def get_review_cycle(
    review_cycle_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Response:
    return _review_cycle_response(await reviews.get_review_cycle(deps, principal, review_cycle_id))


@router.patch(
    _ONE_CYCLE,
    summary="Change a review cycle or move its phase",
    description="Admins and HR. JSON merge. Rename any time; `questions` (replaced whole, new "
    "ids), `weights`, `peer_anonymity_threshold`, `min_peers` and `max_peers` in `draft` only "
    "(422 `review_cycle_frozen`). `phase` moves one step forward: draft -> collecting -> "
    "closed -> published (422 `invalid_phase_transition`). Collecting needs reviewees (422 "
    "`no_participants`), each with `min_peers` to `max_peers` peers (422 `peer_count`, the "
    "reviewees in `reviewee_ids`). Publishing makes results readable and fixes the OKR scores "
    "in them as of that moment.",
    response_model=ReviewCycleOut,
    responses=error_responses(401, 403, 404, 412, 422),
)
async def update_review_cycle(
    review_cycle_id: UUID,
    body: ReviewCyclePatch,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    if_match: IfMatch = None,
) -> Response:
    with _fields_named(_WEIGHT_FIELDS):
        review_cycle = await reviews.update_review_cycle(
            deps,
            principal,
            review_cycle_id,
            body.to_changes(),
            expected_version=expected_version(if_match),
        )
    return _review_cycle_response(review_cycle)


# -- participants ----------------------------------------------------------------------------


@router.post(
    _ONE_CYCLE + "/participants",
    summary="Add reviewees to a review cycle",
    description="Admins and HR, in `draft`. Each reviewee gets a self assignment, their "
    "manager and skip-level from the manager chain, and their team mates as peers (up to "
    "`max_peers`). Without `reviewee_ids`: every active member who owns an objective in the "
    "OKR cycle. Reviewees already in keep their assignments (`already_in`); one whose team "
    "gives fewer than `min_peers` joins without peers (`needs_peers`): nominate theirs. The "
    "answer counts reviewers per role, never who they are. Honours `Idempotency-Key`.",
    response_model=EnrolmentOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def add_review_participants(
    review_cycle_id: UUID,
    body: ParticipantsAdd,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    idempotency: IdempotencyDep,
) -> Response:
    async def produce() -> Response:
        enrolment = await reviews.add_participants(
            deps, principal, review_cycle_id, body.reviewee_ids
        )
        return Response(EnrolmentOut.of(enrolment).model_dump_json(), media_type="application/json")

    return await idempotency.run(produce)


@router.get(
    _ONE_CYCLE + "/participants",
    summary="List a review cycle's reviewees and their reviewers",
    description="Admins and HR only: each reviewee (in id order) with their assignments "
    "(reviewer and role). It shows who was asked, never who answered; and never your own "
    "peers or those of anyone below you in the manager chain (`peers_hidden`).",
    response_model=Page[ParticipantDetailOut],
    responses=error_responses(401, 403, 404, 422),
)
async def list_review_participants(
    review_cycle_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, page: PageDep
) -> Page[ParticipantDetailOut]:
    found = await reviews.list_participants(deps, principal, review_cycle_id, page)
    return Page(
        items=[ParticipantDetailOut.of(p) for p in found.items], next_cursor=found.next_cursor
    )


@router.put(
    _ONE_CYCLE + "/participants/{reviewee_id}/peers",
    summary="Nominate a reviewee's peers",
    description="In `draft`, the reviewee, anyone above them in the manager chain, admins "
    "and HR set the reviewee's peers, replacing the previous ones: `min_peers` to "
    "`max_peers` active members (422 `peer_count`), not the reviewee, their manager or "
    "skip-level, none twice (422 `validation_failed`). Anyone else gets 404, as for a "
    "reviewee not in the cycle. The answer counts reviewers per role, never who they are.",
    response_model=ParticipantOut,
    responses=error_responses(401, 404, 409, 422),
)
async def nominate_peers(
    review_cycle_id: UUID,
    reviewee_id: UUID,
    body: PeerNomination,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
) -> ParticipantOut:
    with _fields_named(_PEER_FIELDS):
        participant = await reviews.nominate_peers(
            deps, principal, review_cycle_id, reviewee_id, body.peer_ids
        )
    return ParticipantOut.of(participant)


@router.delete(
    _ONE_CYCLE + "/participants/{reviewee_id}",
    status_code=204,
    summary="Remove a reviewee from a review cycle",
    description="Admins and HR, in `draft`: deletes the reviewee's assignments (404 when the "
    "member is not a reviewee of the cycle).",
    responses=error_responses(401, 403, 404, 422),
)
async def remove_review_participant(
    review_cycle_id: UUID, reviewee_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Response:
    await reviews.remove_participant(deps, principal, review_cycle_id, reviewee_id)
    return Response(status_code=204)


# -- my reviews and responses ----------------------------------------------------------------


@router.get(
    _ONE_CYCLE + "/my-reviews",
    summary="List the reviews you have to write",
    description="Your assignments in the review cycle (whom, in which role), each with your "
    "response so far (null until submitted). Empty in `draft`: assignments may still change. "
    "All of them on one page (`next_cursor` null). Members only (403 for service tokens).",
    response_model=Page[MyReviewOut],
    responses=error_responses(401, 403, 404),
)
async def list_my_reviews(
    review_cycle_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> Page[MyReviewOut]:
    mine = await review_responses.my_reviews(deps, principal, review_cycle_id)
    return Page(items=[MyReviewOut.of(m) for m in mine], next_cursor=None)


@router.get(
    _ASSIGNMENT,
    summary="Get one of your reviews",
    description="One of your assignments with your response so far. Someone else's "
    "assignment is 404, exactly as an unknown id.",
    response_model=MyReviewOut,
    responses=error_responses(401, 403, 404),
)
async def get_my_review(
    assignment_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> MyReviewOut:
    return MyReviewOut.of(await review_responses.get_my_review(deps, principal, assignment_id))


@router.put(
    _ASSIGNMENT + "/response",
    summary="Submit or revise your response",
    description="While the review cycle is `collecting` (422 `review_not_collecting` "
    "otherwise): every question answered once, each `rating` a JSON integer from 1 to 5, a "
    "`comment` only where the question allows one (422 `validation_failed`, each bad answer "
    "listed). Sending again revises it. Someone else's assignment is 404, exactly as an "
    "unknown id.",
    response_model=MyReviewOut,
    responses=error_responses(401, 403, 404, 422),
)
async def submit_review_response(
    assignment_id: UUID, body: ResponseIn, principal: CurrentPrincipal, deps: UseCaseDeps
) -> MyReviewOut:
    review = await review_responses.submit_response(
        deps, principal, assignment_id, body.to_domain()
    )
    return MyReviewOut.of(review)


# -- results ---------------------------------------------------------------------------------

_CSV_EXAMPLE = review_csv.header() + (
    "01a209b4-22a0-764f-84e2-80f0bf395a35,HR-00042,Li Wei,li.wei@example.com,63.91,0.6500,"
    "19.50,44.41,false,3.5375,false,1,1,4.5000,0.1000,6,4,3.6250,0.3000,1,1,3.5000,0.4000,"
    "1,1,3.0000,0.2000\r\n"
)


def _media_ranges(accept: str) -> dict[str, float]:
    ranges: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges[media.lower()] = max(quality, ranges.get(media.lower(), 0.0))
    return ranges


def wants_csv(accept: str | None) -> bool:
    """CSV when ``Accept`` names ``text/csv`` and does not prefer ``application/json``."""
    ranges = _media_ranges(accept or "")
    csv_quality = ranges.get("text/csv", 0.0)
    return csv_quality > 0 and csv_quality >= ranges.get("application/json", 0.0)


async def _csv_stream(
    deps: Deps,
    principal: Principal,
    review_cycle_id: UUID,
    first: pagination.Page[RevieweeResult],
    *,
    bom: bool,
) -> AsyncIterator[str]:
    """The header, then one chunk per page of reviewees, each page read when the client is
    ready for the next: the response never holds more than one page, however large the
    organization."""
    yield review_csv.header(bom=bom)
    page = first
    while True:
        yield review_csv.page(page.items)
        if page.next_after is None:
            return
        page = await review_results.review_results(
            deps,
            principal,
            review_cycle_id,
            PageRequest(limit=CSV_PAGE_SIZE, after=page.next_after),
        )


@router.get(
    _ONE_CYCLE + "/results",
    summary="Export a review cycle's results",
    description="Admins, HR and service tokens with `reviews:export` read every reviewee's "
    "result once the review cycle is `published` (422 `review_not_published` before): "
    "performance score (0-100) with its OKR and 360 parts, the 360 rating, the OKR score, "
    "and per role the reviewers asked, responses received, rating, weight and comments. "
    "Peer parts below the anonymity threshold are withheld. JSON pages by default "
    "(`limit`, `cursor`); with `Accept: text/csv`, every reviewee as one streamed CSV "
    "(a header row, one row per reviewee, no comments, empty cells for null; `limit` and "
    "`cursor` do not apply). `bom=true` starts the CSV with a UTF-8 byte order mark so that "
    "Excel shows Chinese names correctly when the file is opened directly.",
    response_model=Page[ReviewResultOut],
    responses={
        200: {
            "description": "JSON pages, or CSV when `Accept` asks for `text/csv`.",
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": _CSV_EXAMPLE,
                }
            },
        },
        **error_responses(401, 403, 404, 422),
    },
)
async def list_review_results(
    review_cycle_id: UUID,
    request: Request,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    page: PageDep,
    bom: Annotated[
        bool,
        Query(
            description="CSV only: start with a UTF-8 byte order mark, for Excel (off by "
            "default: programs reading UTF-8 CSV do not expect one)."
        ),
    ] = False,
) -> Response:
    if not wants_csv(request.headers.get("accept")):
        found = await review_results.review_results(deps, principal, review_cycle_id, page)
        body = Page[ReviewResultOut](
            items=[ReviewResultOut.of(r) for r in found.items], next_cursor=found.next_cursor
        )
        return Response(
            body.model_dump_json(), media_type="application/json", headers={"Vary": "Accept"}
        )
    # The first page is read before answering, so a refusal is still a problem+json.
    first = await review_results.review_results(
        deps, principal, review_cycle_id, PageRequest(limit=CSV_PAGE_SIZE)
    )
    return StreamingResponse(
        _csv_stream(deps, principal, review_cycle_id, first, bom=bom),
        media_type=review_csv.MEDIA_TYPE,
        headers={
            "Vary": "Accept",
            "Content-Disposition": f'attachment; filename="review-results-{review_cycle_id}.csv"',
        },
    )


@router.get(
    _ONE_CYCLE + "/results/{reviewee_id}",
    summary="Get a reviewee's result",
    description="One reviewee's published result, for the reviewee, anyone above them in "
    "the manager chain, admins, HR and `reviews:export` tokens (422 `review_not_published` "
    "before publication). Anyone else gets 404, as for a member who is not a reviewee.",
    response_model=ReviewResultOut,
    responses=error_responses(401, 404, 422),
)
async def get_review_result(
    review_cycle_id: UUID, reviewee_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> ReviewResultOut:
    result = await review_results.review_result(deps, principal, review_cycle_id, reviewee_id)
    return ReviewResultOut.of(result)


@router.get(
    _ONE_CYCLE + "/completion",
    summary="How far a review cycle has got",
    description="Admins, HR and `reviews:export` tokens: the number of reviewees, and per "
    "role across the whole cycle the assignments made and answered. Never per reviewer or "
    "per reviewee.",
    response_model=CompletionOut,
    responses=error_responses(401, 403, 404),
)
async def get_review_completion(
    review_cycle_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> CompletionOut:
    return CompletionOut.of(
        await review_results.review_completion(deps, principal, review_cycle_id)
    )
