"""The domain's enums, registered as the schema's: values are their names (ADMIN, ZH_CN).

Import them from here so the descriptions are attached before any schema is built.
"""

from __future__ import annotations

import strawberry

from domain.comments import CommentTarget
from domain.cycles import CycleKind, CycleState
from domain.kpis import KpiStatus
from domain.members import Role
from domain.okrs import (
    ActionStatus,
    Ambition,
    Cadence,
    Direction,
    Level,
    MetricKind,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Locale
from domain.reviews import ReviewPhase, ReviewRole
from domain.scoring import Grade, TrackStatus
from domain.units import UnitKind
from service.alignment import Link
from service.pagination import Sort

strawberry.enum(Role, description="What a member may do.")
strawberry.enum(UnitKind, description="The rank of an org unit.")
strawberry.enum(CycleKind, description="How long an OKR cycle is.")
strawberry.enum(CycleState, description="planning -> active -> closed (read-only).")
strawberry.enum(Locale, description="The organization's language.")
strawberry.enum(Level, description="Where an objective sits: company, department, team or person.")
strawberry.enum(
    ObjectiveStatus,
    description="draft <-> active -> closed (reopenable); archived is final.",
)
strawberry.enum(
    Visibility,
    description="Private objectives are seen only by their owner, the owner's managers "
    "(for a unit's: its lead and the lead's managers) and admins.",
)
strawberry.enum(OwnerKind, description="Who owns an objective: a member or an org unit.")
strawberry.enum(
    Ambition,
    description="How an objective and its key results are graded: COMMITTED (met or missed, "
    "by the organization's `scoring` committedRedBelow and committedYellowBelow) or "
    "ASPIRATIONAL (the default, by redBelow and yellowBelow).",
)
strawberry.enum(
    MetricKind,
    description="How a key result is measured: a number, a percent, an amount of money, "
    "done or not (boolean: 0 -> 1), or weighted milestones.",
)
strawberry.enum(Direction, description="Whether a key result aims above or below its start.")
strawberry.enum(
    Cadence,
    description="How often a key result's owner checks in: DAILY, WEEKLY (the default), "
    "BIWEEKLY or MONTHLY. Past it (the last check-in, else the KR's creation, plus 1, 7 or "
    "14 days or one calendar month on the organization's calendar) the KR is stale.",
)
strawberry.enum(ActionStatus, description="todo, doing, done or blocked.")
strawberry.enum(
    KpiStatus,
    description="Whether a KPI's current reading meets its target: MET or NOT_MET.",
)
strawberry.enum(
    ReviewRole,
    description="Who reviews: the reviewee (SELF, 自评), a PEER (互评), their MANAGER (上级评) "
    "or their manager's manager (SKIP_LEVEL, 上上级评).",
)
strawberry.enum(
    ReviewPhase,
    description="draft -> collecting -> closed -> published, forward only, one step at a time.",
)
strawberry.enum(
    Grade, description="A score's colour, by the organization's `scoring` redBelow and yellowBelow."
)
strawberry.enum(
    TrackStatus,
    description="Progress against the elapsed share of the cycle (expected progress).",
)
strawberry.enum(
    Link,
    name="AlignmentLink",
    description="How an objective hangs under its parent in an alignment tree: ALIGNED to "
    "the objective, or CONTRIBUTES to one of its key results.",
)
strawberry.enum(
    CommentTarget,
    name="CommentTargetType",
    description="What a comment is on: an OBJECTIVE, a KEY_RESULT or an ACTION.",
)
strawberry.enum(
    Sort,
    name="ListSort",
    description="The order of a list: CREATED_AT (the default, oldest first), "
    "CREATED_AT_DESC, UPDATED_AT (least recently changed first: the order to sync in), "
    "UPDATED_AT_DESC; ties by id. A cursor continues the order it was cut from only.",
)

__all__ = [
    "ActionStatus",
    "Ambition",
    "Cadence",
    "CommentTarget",
    "CycleKind",
    "CycleState",
    "Direction",
    "Grade",
    "KpiStatus",
    "Level",
    "Link",
    "Locale",
    "MetricKind",
    "ObjectiveStatus",
    "OwnerKind",
    "ReviewPhase",
    "ReviewRole",
    "Role",
    "Sort",
    "TrackStatus",
    "UnitKind",
    "Visibility",
]
