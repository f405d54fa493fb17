"""Alignment reads (对齐): the tree of a cycle, the path up, unit and company scores,
coverage and cycle stats. Each accepts `as_of` (a date or an instant) where it makes sense."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.alignment.shapes import (
    AlignmentPathOut,
    AlignmentTreeOut,
    CoverageOut,
    CycleStatsOut,
    UnitScoresOut,
    tree_json,
)
from api.rest.dependencies import AsOfParam, CurrentPrincipal, UseCaseDeps
from api.rest.problems import error_responses
from service import alignment

router = APIRouter(tags=["alignment"])


@router.get(
    "/v1/cycles/{cycle_id}/alignment-tree",
    summary="Alignment tree of a cycle",
    description="Every objective of the cycle and of the cycles nested in it (a year's "
    "quarters), nested under the objective it aligns to or whose KR it contributes to "
    "(`link`), each with its progress, grade and track status. `root_id` starts from one "
    "objective (and follows its subtree into any cycle); `depth` cuts the tree (0: the roots "
    "alone). An objective you may not see is left out with its subtree. One request costs "
    "the same few SQL statements whatever the size of the tree.",
    response_model=AlignmentTreeOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_alignment_tree(
    cycle_id: UUID,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    as_of: AsOfParam = None,
    root_id: Annotated[UUID | None, Query(description="Start from this objective.")] = None,
    depth: Annotated[int | None, Query(ge=0, le=100, description="Levels below roots.")] = None,
) -> Response:
    tree = await alignment.alignment_tree(
        deps, principal, cycle_id, root_id=root_id, depth=depth, as_of=as_of
    )
    return Response(tree_json(tree), media_type="application/json")


@router.get(
    "/v1/objectives/{objective_id}/alignment-path",
    summary="Path up to the company",
    description="The objective, then each objective it serves (directly or through a KR), "
    "up to the top, each with its KRs and scores. It stops below an objective you may not "
    "see (`hidden_above`).",
    response_model=AlignmentPathOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_alignment_path(
    objective_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, as_of: AsOfParam = None
) -> AlignmentPathOut:
    return AlignmentPathOut.of(
        await alignment.alignment_path(deps, principal, objective_id, as_of=as_of)
    )


@router.get(
    "/v1/cycles/{cycle_id}/unit-scores",
    summary="Unit and company scores",
    description="For each org unit: the mean of its objectives' scores (owned by the unit or "
    "its members; each objective weighs 1) alone (`own`) and with every unit below it "
    "(`total`), with the count behind each figure; and the company's figure over every "
    "objective of the cycle. Objectives you may not see count for nothing (so no hidden "
    "score can be recovered by subtraction); objectives without KRs count only when they "
    "roll up.",
    response_model=UnitScoresOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_unit_scores(
    cycle_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps, as_of: AsOfParam = None
) -> UnitScoresOut:
    return UnitScoresOut.of(await alignment.unit_scores(deps, principal, cycle_id, as_of=as_of))


@router.get(
    "/v1/cycles/{cycle_id}/coverage",
    summary="Alignment coverage per unit",
    description="For each org unit: the share of its non-company objectives that align to "
    "something above them, and the share of its active members with at least one objective "
    "in the cycle (objectives you may see).",
    response_model=CoverageOut,
    responses=error_responses(401, 403, 404),
)
async def get_alignment_coverage(
    cycle_id: UUID, principal: CurrentPrincipal, deps: UseCaseDeps
) -> CoverageOut:
    return CoverageOut.of(await alignment.alignment_coverage(deps, principal, cycle_id))


@router.get(
    "/v1/cycles/{cycle_id}/stats",
    summary="Cycle stats for a retrospective",
    description="Objectives and KRs by grade and track status, objectives by state, the "
    "share of units and members with OKRs, and check-ins per week of the cycle (quiet weeks "
    "included); for the whole cycle or one unit with the units below it (`unit_id`).",
    response_model=CycleStatsOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_cycle_stats(
    cycle_id: UUID,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    unit_id: UUID | None = None,
    as_of: AsOfParam = None,
) -> CycleStatsOut:
    return CycleStatsOut.of(
        await alignment.cycle_stats(deps, principal, cycle_id, unit_id=unit_id, as_of=as_of)
    )
