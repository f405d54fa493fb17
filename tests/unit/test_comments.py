# Chinese test data is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""Unit and property tests of domain/comments.py: the @mention markup, its parser, and the
rule that a comment mentions only members of its own organization (article 004: "只需@他一下")."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.comments import (
    MENTIONS_MAX,
    CommentContent,
    CommentTarget,
    mention_markup,
    parse_mentions,
    validate_body,
    validate_comment,
    validate_mentions,
)
from domain.errors import RuleViolation
from domain.limits import COMMENT_BODY_MAX_LENGTH, MEMBER_NAME_MAX_LENGTH

WANG = UUID("0b5c3f0e-8d1a-4f8e-9a57-2f4c1d6e9b10")
LI = UUID("7d2e9a41-3c6b-4b0f-8e15-90a1c2d3e4f5")
ZHAO = UUID("c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b")
MEMBERS = frozenset({WANG, LI, ZHAO})


def field_codes(error: RuleViolation) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in error.errors}


def test_targets_are_objectives_key_results_and_actions() -> None:
    assert [t.value for t in CommentTarget] == ["objective", "key_result", "action"]


# --- parsing -------------------------------------------------------------------------------


def test_a_mention_in_english() -> None:
    assert parse_mentions(f"@[Li Lei]({LI}) can marketing send 200 leads?") == [LI]


def test_chinese_names_inside_chinese_text_with_no_spaces() -> None:
    body = f"渠道库存偏高，请@[王芳]({WANG})帮忙看一下，@[赵 · 市场部]({ZHAO})也关注下"
    assert parse_mentions(body) == [WANG, ZHAO]


def test_each_member_once_in_order_of_first_appearance() -> None:
    body = f"@[Zhao]({ZHAO}) @[Wang]({WANG}) again @[赵]({ZHAO}) and @[WANG]({str(WANG).upper()})"
    assert parse_mentions(body) == [ZHAO, WANG]


def test_adjacent_mentions_are_each_read() -> None:
    assert parse_mentions(f"@[王芳]({WANG})@[李雷]({LI})@[赵]({ZHAO})") == [WANG, LI, ZHAO]


def test_names_may_hold_parentheses_and_punctuation() -> None:
    assert parse_mentions(f"@[Li (Sales, East)]({LI})") == [LI]
    assert parse_mentions(f"@@[Li]({LI})") == [LI]


@pytest.mark.parametrize(
    "body",
    [
        "",
        "no mention here",
        "mail wang@example.com or @wang",
        f"@[]({WANG})",  # no name
        f"@[   ]({WANG})",  # a blank name
        "@[Wang](not-a-uuid)",
        f"@[Wang]({WANG.hex})",  # no hyphens: not the canonical form
        f"@[Wang]({{{WANG}}})",  # braces
        f"@[Wang]({WANG}0)",  # one hex digit too many
        f"@[Wang]({str(WANG)[:-1]})",  # one too few
        f"@[Wang] ({WANG})",  # a space between the parts
        f"@[Wang]({WANG}",  # unclosed
        f"@[Wang]( {WANG} )",
        f"[Wang]({WANG})",  # a markdown link, no @
        f"@Wang({WANG})",
        f"@[Wa\nng]({WANG})",  # a line break in the name
        f"@[Wa[n]g]({WANG})",  # brackets in the name
        f"@[{'n' * (MEMBER_NAME_MAX_LENGTH + 1)}]({WANG})",  # a name too long
    ],
)
def test_malformed_markup_is_plain_text(body: str) -> None:
    assert parse_mentions(body) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("`matrix@[i](j)` and d@[key](value)", []),
        ("if re.match(r'@\\[(.+)\\]\\((.+)\\)', s): pass", []),
        (f"`@[Wang]({WANG})`", [WANG]),  # markup is markup, even between backticks
        (f"x = f(@[@[Li]({LI})]({WANG}))", [LI]),  # nested: only the inner one is whole
        (f"@[Li]]({LI}) @[[Li]({WANG})", []),
        (f"@[{'名' * MEMBER_NAME_MAX_LENGTH}]({ZHAO})", [ZHAO]),
    ],
)
def test_code_ish_text(body: str, expected: list[UUID]) -> None:
    assert parse_mentions(body) == expected


def test_the_markup_writer_always_parses_back() -> None:
    assert mention_markup("王芳", WANG) == f"@[王芳]({WANG})"
    assert mention_markup(" Li\n[Lei] ", LI) == f"@[Li Lei]({LI})"
    assert mention_markup(" [] ", ZHAO) == f"@[{ZHAO}]({ZHAO})"
    assert parse_mentions(mention_markup("x" * 500, ZHAO)) == [ZHAO]


@given(st.text())
def test_parsing_never_raises_and_yields_each_member_once(body: str) -> None:
    mentioned = parse_mentions(body)
    assert len(mentioned) == len(set(mentioned))


@given(
    mentions=st.lists(st.tuples(st.text(), st.uuids()), max_size=8),
    texts=st.lists(st.text(alphabet=st.characters(exclude_characters="@")), min_size=9),
)
def test_written_markup_reads_back_in_order(
    mentions: list[tuple[str, UUID]], texts: list[str]
) -> None:
    body = "".join(
        text + mention_markup(name, member)
        for text, (name, member) in zip(texts, mentions, strict=False)
    )
    assert parse_mentions(body) == list(dict.fromkeys(member for _, member in mentions))


# --- the organization boundary -------------------------------------------------------------


def test_members_of_the_organization_may_be_mentioned() -> None:
    assert validate_mentions([WANG, LI], MEMBERS) == (WANG, LI)
    assert validate_mentions([], MEMBERS) == ()


def test_a_member_of_another_organization_cannot_be_mentioned() -> None:
    other_org_member = uuid4()
    with pytest.raises(RuleViolation) as caught:
        validate_mentions([WANG, other_org_member], MEMBERS)
    assert caught.value.code == "validation_failed"
    assert field_codes(caught.value) == {("mentions[1]", "unknown_member")}


def test_a_comment_mentions_a_bounded_number_of_people() -> None:
    crowd = [uuid4() for _ in range(MENTIONS_MAX + 1)]
    validate_mentions(crowd[:MENTIONS_MAX], set(crowd))
    with pytest.raises(RuleViolation) as caught:
        validate_mentions(crowd, set(crowd))
    assert field_codes(caught.value) == {("mentions", "too_many")}


def test_the_body_is_stripped_non_blank_and_bounded() -> None:
    assert validate_body("  需要市场部支持  ") == "需要市场部支持"
    assert validate_body("x" * COMMENT_BODY_MAX_LENGTH) == "x" * COMMENT_BODY_MAX_LENGTH
    for body, code in ((" \n\t ", "empty"), ("x" * (COMMENT_BODY_MAX_LENGTH + 1), "too_long")):
        with pytest.raises(RuleViolation) as caught:
            validate_body(body)
        assert field_codes(caught.value) == {("body", code)}


def test_a_comment_is_its_body_and_its_mentions() -> None:
    body = f" 新客户线索不够，@[王芳]({WANG}) 市场部能否本月多给 200 条？@[李雷]({LI}) "
    assert validate_comment(body, known_member_ids=MEMBERS) == CommentContent(
        body=body.strip(), mentions=(WANG, LI)
    )


def test_a_comment_refusal_names_every_problem() -> None:
    stranger = uuid4()
    body = f"@[Stranger]({stranger}) " + "x" * COMMENT_BODY_MAX_LENGTH
    with pytest.raises(RuleViolation) as caught:
        validate_comment(body, known_member_ids=MEMBERS)
    assert caught.value.code == "validation_failed"
    assert field_codes(caught.value) == {
        ("body", "too_long"),
        ("mentions[0]", "unknown_member"),
    }
