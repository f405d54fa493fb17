# Chinese text is written with full-width punctuation (，？): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""The shapes of a comment with @mentions (评论与 @ 提及): REST bodies and GraphQL types are
these classes.

``CommentOut`` is REST's comment and the base of GraphQL's ``Comment``
(``api.comments.graphql`` adds its edges); ``CommentCreate`` and ``CommentPatch`` are REST's
bodies and the bases of ``AddCommentInput`` (which adds the target REST names in the path)
and ``UpdateCommentInput``. The body is checked by the domain (``domain.comments``: not
blank, its length once stripped, its mentions), so the shapes only state the bound.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.graphql.enums import CommentTarget
from api.shapes import Input, Output
from domain.comments import Comment
from domain.limits import COMMENT_BODY_MAX_LENGTH

_EXAMPLE_ID = "01a209b4-22a0-764f-84e2-80f0bf395a35"
_OTHER_ID = "01a209b4-22af-72e5-8995-2bb83bac405a"
_THIRD_ID = "01a209b4-22b3-7c41-a0d5-7a0f3b9e61c2"
_EXAMPLE_BODY = f"客户投诉回复太慢，@[王芳]({_THIRD_ID}) 能帮忙看一下吗？"

MENTION_HELP = (
    "Mention a member with `@[Name](member-id)`, e.g. `@[王芳](0b5c3f0e-8d1a-4f8e-9a57-"
    "2f4c1d6e9b10)`: the id counts, the name is what you saw when writing. Only members of "
    "your organization (else 422 `validation_failed`, `unknown_member` on `mentions[i]`)."
)


class CommentOut(Output):
    id: UUID = Field(examples=[_EXAMPLE_ID])
    target_type: CommentTarget = Field(
        examples=["key_result"],
        description="An objective, a key result or an action.",
    )
    target_id: UUID = Field(examples=[_OTHER_ID])
    author_id: UUID = Field(examples=[_THIRD_ID])
    body: str = Field(examples=[_EXAMPLE_BODY], description="With its mention markup as written.")
    mentions: list[UUID] = Field(
        examples=[[_THIRD_ID]], description="The members mentioned, in the order of the body."
    )
    version: int = Field(examples=[1])
    created_at: datetime
    updated_at: datetime = Field(description="Later than `created_at` once edited.")

    @classmethod
    def of(cls, comment: Comment) -> Self:  # type: ignore[override]
        """The comment's fields by name; the domain calls the kind of target ``target``."""
        return cls.model_validate({**vars(comment), "target_type": comment.target})


_EXAMPLES: dict[str, Any] = {"examples": [{"body": _EXAMPLE_BODY}]}


class CommentCreate(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_EXAMPLES)
    body: str = Field(
        description=f"Not blank, at most {COMMENT_BODY_MAX_LENGTH} characters. " + MENTION_HELP
    )


class CommentPatch(Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_EXAMPLES)
    body: str = Field(
        description="Replaces the body; its mentions are read again from it. " + MENTION_HELP
    )


class CommentTargetRef(BaseModel):
    """What a GraphQL comment is on (REST names it in the path)."""

    target_type: CommentTarget
    target_id: UUID
