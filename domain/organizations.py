"""The organization (the tenant) and the defaults its later capabilities read.

Scoring and review defaults come from DOMAIN.md; an organization may change them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import available_timezones

from domain.errors import FieldError, RuleViolation
from domain.limits import ORGANIZATION_NAME_MAX_LENGTH
from domain.pacing_setting import PacingSetting


class Locale(StrEnum):
    ZH_CN = "zh-CN"
    EN = "en"


@dataclass(frozen=True)
class ScoringSettings:
    """Grades on the 0.0-1.0 scale and the status margins against expected progress."""

    red_below: Decimal = Decimal("0.4")
    yellow_below: Decimal = Decimal("0.7")
    on_track_margin: Decimal = Decimal("0.1")
    at_risk_margin: Decimal = Decimal("0.25")
    alignment_upward_only: bool = True
    # Committed objectives (domain/ambition.py) are graded by these; aspirational ones by
    # red_below / yellow_below above, the one source of those thresholds.
    committed_red_below: Decimal = Decimal("0.7")
    committed_yellow_below: Decimal = Decimal("1.0")


@dataclass(frozen=True)
class ReviewSettings:
    """360 review defaults (自评 self, 互评 peer, 上级评 manager, 上上级评 skip-level)."""

    weight_self: Decimal = Decimal("0.10")
    weight_peer: Decimal = Decimal("0.30")
    weight_manager: Decimal = Decimal("0.40")
    weight_skip_level: Decimal = Decimal("0.20")
    peer_anonymity_threshold: int = 3
    min_peers: int = 3
    max_peers: int = 8


@dataclass(frozen=True)
class Organization:
    id: UUID
    name: str
    time_zone: str
    locale: Locale
    scoring: ScoringSettings
    reviews: ReviewSettings
    version: int
    created_at: datetime
    updated_at: datetime
    # The default pacing curve of its KRs (domain.pacing); None: linear.
    pacing: PacingSetting | None = None


@dataclass(frozen=True)
class ScoringChanges:
    """A merge patch of the scoring group: ``None`` leaves a field as is (RFC 7396)."""

    red_below: Decimal | None = None
    yellow_below: Decimal | None = None
    on_track_margin: Decimal | None = None
    at_risk_margin: Decimal | None = None
    alignment_upward_only: bool | None = None
    committed_red_below: Decimal | None = None
    committed_yellow_below: Decimal | None = None
    # Fields sent as null: every setting has a default, so null puts that default back.
    reset: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReviewChanges:
    """A merge patch of the review group: ``None`` leaves a field as is (RFC 7396)."""

    weight_self: Decimal | None = None
    weight_peer: Decimal | None = None
    weight_manager: Decimal | None = None
    weight_skip_level: Decimal | None = None
    peer_anonymity_threshold: int | None = None
    min_peers: int | None = None
    max_peers: int | None = None
    reset: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OrganizationChanges:
    """A PATCH of the organization: ``None`` means "leave as is".

    A settings group is either merge-patched (``ScoringChanges``) or, for callers inside the
    service that hold a whole group, replaced (``ScoringSettings``).
    """

    name: str | None = None
    time_zone: str | None = None
    locale: Locale | None = None
    scoring: ScoringChanges | ScoringSettings | None = None
    reviews: ReviewChanges | ReviewSettings | None = None
    # The default pacing curve, validated by the use case (domain.pacing.validate_setting).
    pacing: PacingSetting | None = None
    reset_pacing: bool = False  # sent as null: back to linear


_Settings = TypeVar("_Settings", ScoringSettings, ReviewSettings)


def merge_settings(
    current: _Settings, changes: ScoringChanges | ReviewChanges, *, group: str
) -> _Settings:
    """Apply a merge patch: sent values replace, ``reset`` fields take their defaults.

    Only the result is validated afterwards, so a threshold is judged against the stored
    value of its partner when only one of them is sent.
    """
    defaults = type(current)()
    unknown = changes.reset - {f.name for f in fields(current)}
    if unknown:  # the adapters only pass field names, so this is a programming error
        raise ValueError(f"unknown {group} fields: {sorted(unknown)}")
    values: dict[str, Any] = {}
    for f in fields(current):
        if f.name in changes.reset:
            values[f.name] = getattr(defaults, f.name)
        elif (sent := getattr(changes, f.name)) is not None:
            values[f.name] = sent
    return replace(current, **values)


def validate_name(name: str, *, max_length: int, field_name: str = "name") -> str:
    """Strip the name and refuse an empty one or one over ``max_length`` characters.

    The caller passes its field's limit from ``domain.limits``: names and titles differ, and a
    default would let a new field silently take another's.
    """
    cleaned = name.strip()
    if not cleaned:
        raise RuleViolation(
            f"{field_name} must not be empty",
            code="validation_failed",
            errors=[FieldError(field_name, "must not be empty", "empty")],
        )
    return ensure_fits(cleaned, max_length=max_length, field_name=field_name)


def too_long(value: str, *, max_length: int, field_name: str) -> list[FieldError]:
    """The ``too_long`` error of a text over ``max_length`` characters; none if it fits.

    For rules that collect every problem before refusing; :func:`ensure_fits` refuses at once.
    """
    if len(value) <= max_length:
        return []
    return [FieldError(field_name, f"at most {max_length} characters", "too_long")]


def ensure_fits(value: str, *, max_length: int, field_name: str) -> str:
    """Refuse a text over ``max_length`` characters, as a name or title is refused.

    The shapes of the adapters refuse it first; this holds the limit for every other caller
    of a use case (the demo loader, a sync, a CLI), which would otherwise store the text or
    fail at the database. The caller strips first when the field is stored stripped.
    """
    if errors := too_long(value, max_length=max_length, field_name=field_name):
        raise RuleViolation(
            f"{field_name} is longer than {max_length} characters",
            code="validation_failed",
            errors=errors,
        )
    return value


@cache
def _time_zones() -> frozenset[str]:
    # Reading the zone database walks the file system: do it once per process.
    return frozenset(available_timezones())


def validate_time_zone(time_zone: str) -> str:
    """Accept an IANA time zone name such as ``Asia/Shanghai``."""
    if time_zone not in _time_zones():
        raise RuleViolation(
            f"unknown time zone {time_zone!r}",
            code="validation_failed",
            errors=[FieldError("time_zone", "not an IANA time zone name", "invalid")],
        )
    return time_zone


def validate_scoring(scoring: ScoringSettings) -> ScoringSettings:
    """Grade thresholds are ordered inside [0, 1]; margins are non-negative and ordered."""
    errors: list[FieldError] = []
    if not Decimal(0) < scoring.red_below < scoring.yellow_below <= Decimal(1):
        errors.append(
            FieldError(
                "scoring.red_below",
                "need 0 < red_below < yellow_below <= 1",
                "invalid_threshold",
            )
        )
    if not Decimal(0) < scoring.committed_red_below < scoring.committed_yellow_below <= Decimal(1):
        errors.append(
            FieldError(
                "scoring.committed_red_below",
                "need 0 < committed_red_below < committed_yellow_below <= 1",
                "invalid_threshold",
            )
        )
    if not Decimal(0) <= scoring.on_track_margin <= scoring.at_risk_margin <= Decimal(1):
        errors.append(
            FieldError(
                "scoring.on_track_margin",
                "need 0 <= on_track_margin <= at_risk_margin <= 1",
                "invalid_margin",
            )
        )
    if errors:
        raise RuleViolation("invalid scoring settings", code="validation_failed", errors=errors)
    return scoring


def validate_reviews(reviews: ReviewSettings) -> ReviewSettings:
    """Role weights are in [0, 1] and sum to 1; peer bounds are ordered; threshold >= 1."""
    errors: list[FieldError] = []
    weights = {
        "reviews.weight_self": reviews.weight_self,
        "reviews.weight_peer": reviews.weight_peer,
        "reviews.weight_manager": reviews.weight_manager,
        "reviews.weight_skip_level": reviews.weight_skip_level,
    }
    for name, weight in weights.items():
        if not Decimal(0) <= weight <= Decimal(1):
            errors.append(FieldError(name, "must be between 0 and 1", "out_of_range"))
    if sum(weights.values()) != Decimal(1):
        errors.append(FieldError("reviews", "role weights must sum to 1", "weights_sum"))
    # As domain.reviews.ANONYMITY_THRESHOLD_MIN: one peer's answers would show as they are.
    if reviews.peer_anonymity_threshold < 2:
        errors.append(
            FieldError("reviews.peer_anonymity_threshold", "must be at least 2", "out_of_range")
        )
    if not 1 <= reviews.min_peers <= reviews.max_peers:
        errors.append(
            FieldError("reviews.min_peers", "need 1 <= min_peers <= max_peers", "invalid_bounds")
        )
    if errors:
        raise RuleViolation("invalid review settings", code="validation_failed", errors=errors)
    return reviews


def apply_changes(org: Organization, changes: OrganizationChanges, now: datetime) -> Organization:
    """Return the organization with the validated changes applied and its version bumped."""
    updated = org
    if changes.name is not None:
        updated = replace(
            updated, name=validate_name(changes.name, max_length=ORGANIZATION_NAME_MAX_LENGTH)
        )
    if changes.time_zone is not None:
        updated = replace(updated, time_zone=validate_time_zone(changes.time_zone))
    if changes.locale is not None:
        updated = replace(updated, locale=changes.locale)
    if isinstance(changes.scoring, ScoringChanges):
        scoring = merge_settings(org.scoring, changes.scoring, group="scoring")
        updated = replace(updated, scoring=validate_scoring(scoring))
    elif changes.scoring is not None:
        updated = replace(updated, scoring=validate_scoring(changes.scoring))
    if isinstance(changes.reviews, ReviewChanges):
        reviews = merge_settings(org.reviews, changes.reviews, group="reviews")
        updated = replace(updated, reviews=validate_reviews(reviews))
    elif changes.reviews is not None:
        updated = replace(updated, reviews=validate_reviews(changes.reviews))
    if changes.pacing is not None or changes.reset_pacing:
        updated = replace(updated, pacing=changes.pacing)
    if updated == org:
        return org  # nothing changed: keep the version, so other clients' ETags hold
    return replace(updated, version=org.version + 1, updated_at=now)
