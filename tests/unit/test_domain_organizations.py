"""Unit tests of domain/organizations.py: names, time zones, settings and PATCH semantics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import RuleViolation
from domain.organizations import (
    Locale,
    Organization,
    OrganizationChanges,
    ReviewSettings,
    ScoringSettings,
    apply_changes,
    validate_name,
    validate_reviews,
    validate_scoring,
    validate_time_zone,
)

CREATED = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
LATER = CREATED + timedelta(days=3, hours=2)
D = Decimal


def make_org() -> Organization:
    return Organization(
        id=uuid4(),
        name="Acme Sales",
        time_zone="Asia/Shanghai",
        locale=Locale.ZH_CN,
        scoring=ScoringSettings(),
        reviews=ReviewSettings(),
        version=3,
        created_at=CREATED,
        updated_at=CREATED,
    )


def error_fields(error: RuleViolation) -> list[str]:
    return [e.field for e in error.errors]


def error_codes(error: RuleViolation) -> list[str]:
    return [e.code for e in error.errors]


# --- validate_name -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Acme", "Acme"), ("  Acme Sales \n", "Acme Sales"), ("销售部", "销售部"), ("x", "x")],
)
def test_validate_name_strips(raw: str, expected: str) -> None:
    assert validate_name(raw, max_length=200) == expected


@pytest.mark.parametrize("raw", ["", " ", "\t\n  "])
def test_validate_name_refuses_empty(raw: str) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_name(raw, max_length=200)
    assert info.value.code == "validation_failed"
    assert error_fields(info.value) == ["name"]
    assert error_codes(info.value) == ["empty"]


def test_validate_name_length_limit() -> None:
    assert validate_name("n" * 200, max_length=200) == "n" * 200
    # measured after stripping
    assert validate_name(" " + "n" * 200 + " ", max_length=200) == "n" * 200
    with pytest.raises(RuleViolation) as info:
        validate_name("n" * 201, max_length=200)
    assert info.value.code == "validation_failed"
    assert error_codes(info.value) == ["too_long"]


def test_validate_name_reports_the_given_field_and_limit() -> None:
    assert validate_name("abcde", field_name="title", max_length=5) == "abcde"
    with pytest.raises(RuleViolation) as info:
        validate_name("abcdef", field_name="title", max_length=5)
    assert info.value.code == "validation_failed"
    assert error_fields(info.value) == ["title"]
    with pytest.raises(RuleViolation) as empty:
        validate_name("  ", field_name="title", max_length=5)
    assert error_fields(empty.value) == ["title"]


# --- validate_time_zone ------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York", "Europe/Berlin"])
def test_known_time_zones_pass(zone: str) -> None:
    assert validate_time_zone(zone) == zone


@pytest.mark.parametrize(
    "zone", ["Mars/Base", "", "Shanghai", "Asia/Atlantis", "../../etc/passwd", "Asia/"]
)
def test_unknown_time_zones_are_refused(zone: str) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_time_zone(zone)
    assert info.value.code == "validation_failed"
    assert error_fields(info.value) == ["time_zone"]


# --- validate_scoring --------------------------------------------------------------------


def test_default_scoring_is_valid() -> None:
    scoring = ScoringSettings()
    assert validate_scoring(scoring) is scoring


@pytest.mark.parametrize(
    "scoring",
    [
        ScoringSettings(red_below=D("0.01"), yellow_below=D("1")),
        ScoringSettings(red_below=D("0.5"), yellow_below=D("0.51")),
        ScoringSettings(on_track_margin=D("0"), at_risk_margin=D("0")),
        ScoringSettings(on_track_margin=D("0.2"), at_risk_margin=D("0.2")),
        ScoringSettings(on_track_margin=D("0"), at_risk_margin=D("1")),
        ScoringSettings(alignment_upward_only=False),
    ],
)
def test_edge_scoring_settings_pass(scoring: ScoringSettings) -> None:
    assert validate_scoring(scoring) == scoring


@pytest.mark.parametrize(
    "scoring",
    [
        ScoringSettings(red_below=D("0.7"), yellow_below=D("0.7")),  # equal
        ScoringSettings(red_below=D("0.8"), yellow_below=D("0.7")),  # reversed
        ScoringSettings(red_below=D("0"), yellow_below=D("0.7")),  # red at 0
        ScoringSettings(red_below=D("-0.1"), yellow_below=D("0.7")),
        ScoringSettings(red_below=D("0.4"), yellow_below=D("1.01")),  # above 1
    ],
)
def test_unordered_thresholds_are_refused(scoring: ScoringSettings) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_scoring(scoring)
    assert info.value.code == "validation_failed"
    assert error_codes(info.value) == ["invalid_threshold"]
    assert error_fields(info.value) == ["scoring.red_below"]


@pytest.mark.parametrize(
    "scoring",
    [
        ScoringSettings(on_track_margin=D("0.3"), at_risk_margin=D("0.25")),  # reversed
        ScoringSettings(on_track_margin=D("-0.01"), at_risk_margin=D("0.25")),  # negative
        ScoringSettings(on_track_margin=D("0.1"), at_risk_margin=D("1.5")),  # above 1
    ],
)
def test_unordered_margins_are_refused(scoring: ScoringSettings) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_scoring(scoring)
    assert info.value.code == "validation_failed"
    assert error_codes(info.value) == ["invalid_margin"]
    assert error_fields(info.value) == ["scoring.on_track_margin"]


def test_scoring_reports_every_problem_at_once() -> None:
    bad = ScoringSettings(
        red_below=D("0.9"), yellow_below=D("0.1"), on_track_margin=D("0.5"), at_risk_margin=D("0")
    )
    with pytest.raises(RuleViolation) as info:
        validate_scoring(bad)
    assert info.value.code == "validation_failed"
    assert error_codes(info.value) == ["invalid_threshold", "invalid_margin"]


# --- validate_reviews --------------------------------------------------------------------


def weights(self_: str, peer: str, manager: str, skip: str) -> ReviewSettings:
    return ReviewSettings(
        weight_self=D(self_),
        weight_peer=D(peer),
        weight_manager=D(manager),
        weight_skip_level=D(skip),
    )


def test_default_reviews_are_valid_and_match_domain_md() -> None:
    reviews = ReviewSettings()
    assert validate_reviews(reviews) is reviews
    assert (
        reviews.weight_self,
        reviews.weight_peer,
        reviews.weight_manager,
        reviews.weight_skip_level,
    ) == (D("0.10"), D("0.30"), D("0.40"), D("0.20"))
    assert (reviews.peer_anonymity_threshold, reviews.min_peers, reviews.max_peers) == (3, 3, 8)


@pytest.mark.parametrize(
    "reviews",
    [
        weights("0", "0", "1", "0"),
        weights("0.25", "0.25", "0.25", "0.25"),
        weights("0.1", "0.2", "0.3", "0.4"),
        weights("0.333", "0.333", "0.334", "0"),
        ReviewSettings(peer_anonymity_threshold=2),
        ReviewSettings(peer_anonymity_threshold=5),
        ReviewSettings(min_peers=1, max_peers=1),
        ReviewSettings(min_peers=5, max_peers=5),
    ],
)
def test_edge_review_settings_pass(reviews: ReviewSettings) -> None:
    assert validate_reviews(reviews) == reviews


@pytest.mark.parametrize(
    "reviews",
    [
        weights("0.10", "0.30", "0.40", "0.10"),  # 0.9
        weights("0.10", "0.30", "0.40", "0.30"),  # 1.1
        weights("0.333", "0.333", "0.333", "0"),  # 0.999
        weights("0", "0", "0", "0"),
    ],
)
def test_weights_not_summing_to_one_are_refused(reviews: ReviewSettings) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_reviews(reviews)
    assert info.value.code == "validation_failed"
    assert error_codes(info.value) == ["weights_sum"]
    assert error_fields(info.value) == ["reviews"]


@pytest.mark.parametrize(
    ("reviews", "field"),
    [
        (weights("-0.1", "0.5", "0.4", "0.2"), "reviews.weight_self"),
        (weights("0.1", "-0.2", "0.9", "0.2"), "reviews.weight_peer"),
        (weights("0", "0", "1.5", "-0.5"), "reviews.weight_manager"),
        (weights("0.5", "0.5", "0.5", "-0.5"), "reviews.weight_skip_level"),
    ],
)
def test_weight_out_of_range_is_refused_even_when_the_sum_is_one(
    reviews: ReviewSettings, field: str
) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_reviews(reviews)
    assert info.value.code == "validation_failed"
    assert field in error_fields(info.value)
    assert "out_of_range" in error_codes(info.value)
    assert "weights_sum" not in error_codes(info.value)


@pytest.mark.parametrize("threshold", [0, -1])
def test_anonymity_threshold_below_one_is_refused(threshold: int) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_reviews(ReviewSettings(peer_anonymity_threshold=threshold))
    assert info.value.code == "validation_failed"
    assert error_fields(info.value) == ["reviews.peer_anonymity_threshold"]
    assert error_codes(info.value) == ["out_of_range"]


@pytest.mark.parametrize(("min_peers", "max_peers"), [(0, 8), (-1, 8), (0, 0), (9, 8), (4, 3)])
def test_peer_bounds_out_of_order_are_refused(min_peers: int, max_peers: int) -> None:
    with pytest.raises(RuleViolation) as info:
        validate_reviews(ReviewSettings(min_peers=min_peers, max_peers=max_peers))
    assert info.value.code == "validation_failed"
    assert error_fields(info.value) == ["reviews.min_peers"]
    assert error_codes(info.value) == ["invalid_bounds"]


def test_reviews_report_every_problem_at_once() -> None:
    bad = replace(
        weights("1.2", "0", "0", "0"), peer_anonymity_threshold=0, min_peers=5, max_peers=2
    )
    with pytest.raises(RuleViolation) as info:
        validate_reviews(bad)
    assert info.value.code == "validation_failed"
    assert error_fields(info.value) == [
        "reviews.weight_self",
        "reviews",
        "reviews.peer_anonymity_threshold",
        "reviews.min_peers",
    ]


# --- apply_changes -----------------------------------------------------------------------


def test_empty_changes_keep_the_version() -> None:
    org = make_org()
    assert apply_changes(org, OrganizationChanges(), LATER) is org
    assert apply_changes(org, OrganizationChanges(name=org.name), LATER) is org


def test_apply_changes_leaves_the_original_untouched() -> None:
    org = make_org()
    before = replace(org)
    apply_changes(org, OrganizationChanges(name="Other", time_zone="UTC"), LATER)
    assert org == before


def test_apply_changes_sets_only_the_given_fields() -> None:
    org = make_org()
    updated = apply_changes(org, OrganizationChanges(name="  Acme Global "), LATER)
    assert updated.name == "Acme Global"  # validated and stripped
    assert (updated.time_zone, updated.locale, updated.scoring, updated.reviews) == (
        org.time_zone,
        org.locale,
        org.scoring,
        org.reviews,
    )
    assert (updated.id, updated.version, updated.updated_at) == (org.id, 4, LATER)


def test_apply_changes_sets_every_field() -> None:
    org = make_org()
    scoring = ScoringSettings(red_below=D("0.3"), yellow_below=D("0.6"))
    reviews = replace(ReviewSettings(), peer_anonymity_threshold=5, min_peers=5)
    updated = apply_changes(
        org,
        OrganizationChanges(
            name="Acme EU",
            time_zone="Europe/Berlin",
            locale=Locale.EN,
            scoring=scoring,
            reviews=reviews,
        ),
        LATER,
    )
    assert (updated.name, updated.time_zone, updated.locale) == (
        "Acme EU",
        "Europe/Berlin",
        Locale.EN,
    )
    assert updated.scoring == scoring
    assert updated.reviews == reviews
    assert updated.version == org.version + 1
    assert updated.updated_at == LATER


@pytest.mark.parametrize(
    "changes",
    [
        OrganizationChanges(name="   "),
        OrganizationChanges(time_zone="Mars/Base"),
        OrganizationChanges(scoring=ScoringSettings(red_below=D("0.8"), yellow_below=D("0.7"))),
        OrganizationChanges(reviews=weights("0.5", "0.5", "0.5", "0.5")),
        OrganizationChanges(name="Fine", time_zone="Mars/Base"),
    ],
)
def test_apply_changes_validates_what_it_applies(changes: OrganizationChanges) -> None:
    with pytest.raises(RuleViolation) as info:
        apply_changes(make_org(), changes, LATER)
    assert info.value.code == "validation_failed"


def test_apply_changes_keeps_an_empty_string_name_from_meaning_leave_as_is() -> None:
    # "" is not None: it is a change, and an invalid one.
    with pytest.raises(RuleViolation) as info:
        apply_changes(make_org(), OrganizationChanges(name=""), LATER)
    assert info.value.code == "validation_failed"
    assert error_fields(info.value) == ["name"]
