"""Alignment (对齐, 层层递进): how objectives cascade from the company down.

DOMAIN.md "Alignment". An objective aligns to one parent objective, or contributes to one KR
of another objective; the graph has no cycles; by default alignment goes upward only
(individual -> team -> department -> company), with sideways contributions to KRs allowed.

The walks here take ``parent_of``: the objective a given objective currently aligns to,
directly or through the KR it contributes to (the caller resolves KR -> its objective).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.okrs import Level

LEVEL_RANK: Final[Mapping[Level, int]] = MappingProxyType(
    {Level.COMPANY: 0, Level.DEPARTMENT: 1, Level.TEAM: 2, Level.INDIVIDUAL: 3}
)

ParentOf = Callable[[UUID], UUID | None]


def alignment_loop(
    objective_id: UUID, new_parent_id: UUID, parent_of: ParentOf
) -> list[UUID] | None:
    """The loop that aligning ``objective_id`` to ``new_parent_id`` would close.

    ``new_parent_id`` is the parent objective, or the objective owning the KR contributed
    to (so aligning to oneself or to one's own KR is the loop ``[objective, objective]``).
    Walks up from the new parent; returns ``[objective, new_parent, ..., objective]`` when
    the walk reaches the objective, else ``None``. Stops on a loop already in the graph
    that does not pass through the objective.
    """
    path = [objective_id]
    current: UUID | None = new_parent_id
    seen: set[UUID] = set()
    while current is not None and current not in seen:
        path.append(current)
        if current == objective_id:
            return path
        seen.add(current)
        current = parent_of(current)
    return None


def ensure_no_alignment_loop(
    objective_id: UUID,
    new_parent_id: UUID,
    parent_of: ParentOf,
    *,
    field: str = "parent_objective_id",
) -> None:
    """Refuse an alignment that would close a loop (code ``alignment_cycle``).

    ``extra["cycle"]`` lists the loop's ids as strings; ``field`` names the input that set
    the link (``parent_objective_id`` or ``parent_key_result_id``).
    """
    loop = alignment_loop(objective_id, new_parent_id, parent_of)
    if loop is not None:
        raise RuleViolation(
            "this alignment would create a loop",
            code="alignment_cycle",
            errors=[FieldError(field, "would create a loop", "alignment_cycle")],
            extra={"cycle": [str(i) for i in loop]},
        )


def alignment_allowed(
    *, child: Level, parent: Level, to_key_result: bool, upward_only: bool
) -> bool:
    """Whether an objective at ``child`` level may align to one at ``parent`` level.

    With ``upward_only`` (the default setting): aligning to an objective needs a strictly
    higher level; contributing to a KR also allows the same level (sideways, e.g. sales
    <-> marketing); never downward. Without it, anything goes.
    """
    if not upward_only:
        return True
    if to_key_result:
        return LEVEL_RANK[parent] <= LEVEL_RANK[child]
    return LEVEL_RANK[parent] < LEVEL_RANK[child]


def ensure_alignment_level(
    *, child: Level, parent: Level, to_key_result: bool, upward_only: bool
) -> None:
    """Refuse an alignment in a direction the organization does not allow
    (code ``alignment_level``); see :func:`alignment_allowed`."""
    if alignment_allowed(
        child=child, parent=parent, to_key_result=to_key_result, upward_only=upward_only
    ):
        return
    field = "parent_key_result_id" if to_key_result else "parent_objective_id"
    allowed = "the same level or above" if to_key_result else "a level above"
    raise RuleViolation(
        f"a {child} objective may only align to {allowed}, not to a {parent} "
        f"{'key result' if to_key_result else 'objective'}",
        code="alignment_level",
        errors=[FieldError(field, f"must be {allowed} {child}", "alignment_level")],
        extra={"child_level": str(child), "parent_level": str(parent)},
    )


def ensure_single_link(parent_objective_id: UUID | None, parent_key_result_id: UUID | None) -> None:
    """An objective aligns to one parent objective or contributes to one KR, not both
    (code ``validation_failed``)."""
    if parent_objective_id is not None and parent_key_result_id is not None:
        message = "align to a parent objective or contribute to a key result, not both"
        raise RuleViolation(
            message,
            code="validation_failed",
            errors=[
                FieldError("parent_objective_id", message, "single_link"),
                FieldError("parent_key_result_id", message, "single_link"),
            ],
        )


def alignment_path(objective_id: UUID, parent_of: ParentOf) -> list[UUID]:
    """The path from an objective up through its parents: ``[objective, parent, ...]``.

    Ends at an objective aligned to nothing; stops before repeating an id should the stored
    graph hold a loop (it should not), so it never hangs.
    """
    path: list[UUID] = []
    seen: set[UUID] = set()
    current: UUID | None = objective_id
    while current is not None and current not in seen:
        path.append(current)
        seen.add(current)
        current = parent_of(current)
    return path


@dataclass(slots=True)
class Branch:
    """One objective in an alignment tree, with the branches aligned to it."""

    id: UUID
    depth: int  # 0 for a root
    children: list[Branch] = field(default_factory=list)


def alignment_forest(
    ids: Sequence[UUID],
    parent_of: Mapping[UUID, UUID | None],
    visible: Container[UUID],
    *,
    roots: Sequence[UUID] | None = None,
    max_depth: int | None = None,
) -> list[Branch]:
    """Nest objectives under the objective each aligns to (directly or through a KR).

    ``ids`` are the objectives in play, in the order children are listed; ``parent_of``
    gives each one's parent (absent or ``None``: aligned to nothing). The roots are
    ``roots`` when given, else every objective whose parent is not in play. An objective
    the viewer may not see (not in ``visible``) is left out with everything below it: its
    subtree is reached only through objectives the viewer may see. ``max_depth`` cuts the
    tree (0: the roots alone). A loop in the stored graph (there should be none) cannot
    hang the walk: each objective is placed once.
    """
    in_play = set(ids)
    children: dict[UUID, list[UUID]] = {}
    for objective_id in ids:
        parent = parent_of.get(objective_id)
        if parent is not None and parent in in_play:
            children.setdefault(parent, []).append(objective_id)
    if roots is None:
        roots = [i for i in ids if parent_of.get(i) is None or parent_of.get(i) not in in_play]
    placed: set[UUID] = set()
    forest: list[Branch] = []
    stack: list[tuple[Branch, list[UUID]]] = []
    for root_id in roots:
        if root_id not in in_play or root_id not in visible or root_id in placed:
            continue
        root = Branch(root_id, 0, [])
        placed.add(root_id)
        forest.append(root)
        stack.append((root, children.get(root_id, [])))
        while stack:
            branch, below = stack.pop()
            if max_depth is not None and branch.depth >= max_depth:
                continue
            for child_id in below:
                if child_id in visible and child_id not in placed:
                    child = Branch(child_id, branch.depth + 1, [])
                    placed.add(child_id)
                    branch.children.append(child)
                    stack.append((child, children.get(child_id, [])))
    return forest


def walk(forest: Sequence[Branch]) -> Iterator[tuple[Branch, Branch | None]]:
    """Every branch of a forest, depth first in listed order, with its parent branch."""
    stack: list[tuple[Branch, Branch | None]] = [(b, None) for b in reversed(forest)]
    while stack:
        branch, parent = stack.pop()
        yield branch, parent
        stack.extend((child, branch) for child in reversed(branch.children))


def aligns_upward(
    level: Level, parent_objective_id: UUID | None, parent_kr_id: UUID | None
) -> bool:
    """Whether a non-company objective serves something above it (coverage counts these)."""
    return level is not Level.COMPANY and (
        parent_objective_id is not None or parent_kr_id is not None
    )
