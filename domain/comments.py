"""Comments with @mentions on objectives, key results and actions (评论与 @ 提及).

Article 004: OKRs break down the walls between departments; to ask another team for help
"只需@他一下" (just @ them). DOMAIN.md "Management": comments with @mentions.

The mention markup
------------------
A mention is written in the body as ``@[Display Name](member-uuid)``, for instance
``请@[王芳](0b5c3f0e-8d1a-4f8e-9a57-2f4c1d6e9b10)帮忙看一下``. A frontend renders it as a
link to the member and may show the member's current name instead of the one written:
the id is what counts, the name is only what the author saw when writing. The markup is
recognised anywhere, even inside a word (Chinese has no spaces to wait for), when:

- it starts with ``@[``, and the name between the brackets is non-blank, at most
  ``MEMBER_NAME_MAX_LENGTH`` characters, with no ``[``, ``]`` or line break;
- ``](`` follows, then a UUID in its canonical 8-4-4-4-12 hexadecimal form (any case),
  then ``)``.

Anything else is plain text and never an error: an email address, ``@[name]`` without an
id, ``@[](uuid)``, an id that is not a UUID, a markdown link without ``@``.
:func:`mention_markup` writes the markup for a member.

What a caller may rely on: :func:`parse_mentions` never raises; :func:`validate_mentions`
and :func:`validate_comment` refuse mentions of anyone who is not a member of the
comment's organization (``validation_failed``), so a comment cannot reach across tenants,
and the refusal does not tell another organization's member from an id that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.limits import COMMENT_BODY_MAX_LENGTH, MEMBER_NAME_MAX_LENGTH

# A display name in the markup is a member's name, so it is bounded like one.
# Asking for help names a few people; more than this is a broadcast, which a comment is not.
MENTIONS_MAX: Final = 20

_HEX = "[0-9a-fA-F]"
_MENTION: Final = re.compile(
    rf"@\[(?P<name>[^\[\]\r\n]{{1,{MEMBER_NAME_MAX_LENGTH}}})\]"
    rf"\((?P<id>{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})\)"
)
_NOT_IN_NAME: Final = re.compile(r"[\[\]\r\n]+")


class CommentTarget(StrEnum):
    """What a comment is on."""

    OBJECTIVE = "objective"
    KEY_RESULT = "key_result"
    ACTION = "action"


@dataclass(frozen=True, kw_only=True)
class Comment:
    """A comment on an objective, a key result or an action. ``mentions``: the members
    mentioned in ``body``, as :func:`parse_mentions` reads them (kept with the comment so
    that "mentions of me" is a lookup, not a scan of every body)."""

    id: UUID
    organization_id: UUID
    target: CommentTarget
    target_id: UUID
    author_id: UUID  # a member
    body: str
    mentions: tuple[UUID, ...]
    version: int
    created_at: datetime
    updated_at: datetime


def mention_markup(display_name: str, member_id: UUID) -> str:
    """The markup mentioning ``member_id``: ``@[Display Name](member-uuid)``.

    Brackets and line breaks in the name become spaces, and the name is cut to
    ``MEMBER_NAME_MAX_LENGTH``, so the result always parses back to ``member_id``; a blank name is
    written as the id.
    """
    name = " ".join(_NOT_IN_NAME.sub(" ", display_name).split())[:MEMBER_NAME_MAX_LENGTH].strip()
    return f"@[{name or member_id}]({member_id})"


def parse_mentions(body: str) -> list[UUID]:
    """The members mentioned in ``body``: each once, in the order of first appearance.

    Markup that does not follow the module's rules is plain text; this never raises.
    """
    mentioned: dict[UUID, None] = {}
    for match in _MENTION.finditer(body):
        if match["name"].strip():
            mentioned.setdefault(UUID(match["id"]), None)
    return list(mentioned)


def _mention_errors(mentioned: Sequence[UUID], known: Container[UUID]) -> list[FieldError]:
    errors = [
        FieldError(f"mentions[{index}]", "not a member of this organization", "unknown_member")
        for index, member_id in enumerate(mentioned)
        if member_id not in known
    ]
    if len(mentioned) > MENTIONS_MAX:
        errors.append(
            FieldError("mentions", f"at most {MENTIONS_MAX} people per comment", "too_many")
        )
    return errors


def validate_mentions(
    mentioned: Sequence[UUID], known_member_ids: Container[UUID]
) -> tuple[UUID, ...]:
    """Refuse mentions of anyone not in ``known_member_ids`` (the members of the comment's
    organization, loaded by the use case), and more than ``MENTIONS_MAX`` people.

    ``mentioned`` is :func:`parse_mentions`' list; an unknown one is named by its place in
    it (``mentions[1]``, code ``unknown_member``). Code ``validation_failed``.
    """
    errors = _mention_errors(mentioned, known_member_ids)
    if errors:
        raise RuleViolation(
            "a comment can mention only members of its organization",
            code="validation_failed",
            errors=errors,
        )
    return tuple(mentioned)


def _body_errors(body: str) -> list[FieldError]:
    if not body:
        return [FieldError("body", "must not be empty", "empty")]
    if len(body) > COMMENT_BODY_MAX_LENGTH:
        return [FieldError("body", f"at most {COMMENT_BODY_MAX_LENGTH} characters", "too_long")]
    return []


def validate_body(body: str) -> str:
    """A comment body is non-blank and at most ``COMMENT_BODY_MAX_LENGTH`` characters;
    returned stripped."""
    cleaned = body.strip()
    errors = _body_errors(cleaned)
    if errors:
        raise RuleViolation("invalid comment", code="validation_failed", errors=errors)
    return cleaned


@dataclass(frozen=True)
class CommentContent:
    body: str
    mentions: tuple[UUID, ...]


def validate_comment(body: str, *, known_member_ids: Container[UUID]) -> CommentContent:
    """The body (stripped) and its mentions, or one refusal naming every problem of both
    (:func:`validate_body`, :func:`validate_mentions`)."""
    cleaned = body.strip()
    mentioned = parse_mentions(cleaned)
    errors = [*_body_errors(cleaned), *_mention_errors(mentioned, known_member_ids)]
    if errors:
        raise RuleViolation("invalid comment", code="validation_failed", errors=errors)
    return CommentContent(cleaned, tuple(mentioned))
