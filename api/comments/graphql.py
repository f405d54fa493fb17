"""Comments in the graph: the ``Comment`` type's edges, the ``comments``, ``comment`` and
``mentionsOfMe`` queries, and the ``addComment``, ``updateComment`` and ``deleteComment``
mutations.

The fields of ``Comment`` and of the inputs are the shapes of ``api.comments.shapes``; only
what GraphQL adds is here: the edges (the author and the members mentioned, through the
request's DataLoader), the target, node ids and ``expectedVersion`` of the inputs, and the
payloads. Who may read and write a comment is said in ``service.comments``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.comments.shapes import CommentCreate, CommentOut, CommentPatch, CommentTargetRef
from api.graphql.connections import AfterArg, Connection, FirstArg, connection, page_request
from api.graphql.context import Info
from api.graphql.enums import CommentTarget
from api.graphql.fields import field, mutation
from api.graphql.mutations import NodeId, write
from api.members.graphql import Member
from domain.comments import MENTIONS_MAX
from service import comments
from service.pagination import DEFAULT_LIMIT


@strawberry.pydantic.type(
    description="A comment on an objective, a key result or an action, with the members it "
    "mentions (`@[Name](member-id)` in its body)."
)
class Comment(CommentOut):
    # The graph links the author itself; the id stays for the resolver.
    author_id: strawberry.Private[UUID]
    # GraphQL has always called the mentioned members' ids `mentionIds`.
    mentions: Annotated[
        list[UUID],
        strawberry.field(
            name="mentionIds", description="The members mentioned, in the order of the body."
        ),
    ]
    updated_at: Annotated[
        datetime, strawberry.field(description="Later than createdAt once edited.")
    ]

    @strawberry.pydantic.field(description="Who wrote it.")
    async def author(self, info: Info) -> Member | None:
        found = await info.context.loaders.member.load(self.author_id)
        return Member.of(found) if found else None

    @strawberry.pydantic.field(description="The members it mentions, in the order of the body.")
    async def mentioned(self, info: Info) -> list[Member]:
        found = await info.context.loaders.member.load_many(self.mentions)
        return [Member.of(m) for m in found if m is not None]


@strawberry.pydantic.input(
    description="A comment on a target you may see. Mentions (`@[Name](member-id)`) name "
    "members of your organization only (`validation_failed`, `unknown_member` on "
    f"`mentions[i]`); at most {MENTIONS_MAX}."
)
class AddCommentInput(CommentCreate, CommentTargetRef):
    pass


@strawberry.pydantic.input(
    description="Replaces the body of your own comment; mentions are read again."
)
class UpdateCommentInput(CommentPatch, NodeId):
    expected_version: int | None = None


@strawberry.pydantic.input(description="Deletes a comment: its author, or an admin.")
class DeleteCommentInput(NodeId):
    expected_version: int | None = None


@strawberry.type
class CommentQuery:
    @field(
        description="The comments on an objective, a key result or an action you may see "
        "(else `not_found`), oldest first."
    )
    async def comments(
        self,
        info: Info,
        target_type: CommentTarget,
        target_id: UUID,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
    ) -> Connection[Comment]:
        ctx = info.context
        page = page_request(first, after)
        found = await comments.list_comments(ctx.deps, ctx.principal, target_type, target_id, page)
        return connection(found, Comment.of, lambda c: c.id)

    @field(description="One comment, if you may see its target (else `not_found`).")
    async def comment(self, info: Info, id: UUID) -> Comment | None:
        ctx = info.context
        return Comment.of(await comments.get_comment(ctx.deps, ctx.principal, id))

    @field(
        description="The comments mentioning you, newest first, on targets you may see now "
        "(a member's token only)."
    )
    async def mentions_of_me(
        self, info: Info, first: FirstArg = DEFAULT_LIMIT, after: AfterArg = None
    ) -> Connection[Comment]:
        ctx = info.context
        found = await comments.mentions_of_me(ctx.deps, ctx.principal, page_request(first, after))
        return connection(found, Comment.of, lambda c: c.id)


@strawberry.type
class AddCommentPayload:
    comment: Comment


@strawberry.type
class UpdateCommentPayload:
    comment: Comment


@strawberry.type
class DeleteCommentPayload:
    deleted_comment_id: UUID


@strawberry.type
class CommentMutation:
    @mutation(description="Comment on an objective, a key result or an action you may see.")
    async def add_comment(self, info: Info, input: AddCommentInput) -> AddCommentPayload:
        made = await write(
            info, comments.add_comment, input.target_type, input.target_id, input.body
        )
        return AddCommentPayload(comment=Comment.of(made))

    @mutation(description="Edit your own comment.")
    async def update_comment(self, info: Info, input: UpdateCommentInput) -> UpdateCommentPayload:
        edited = await write(
            info,
            comments.update_comment,
            input.id,
            input.body,
            expected_version=input.expected_version,
        )
        return UpdateCommentPayload(comment=Comment.of(edited))

    @mutation(description="Delete a comment: its author, or an admin.")
    async def delete_comment(self, info: Info, input: DeleteCommentInput) -> DeleteCommentPayload:
        await write(
            info, comments.delete_comment, input.id, expected_version=input.expected_version
        )
        return DeleteCommentPayload(deleted_comment_id=input.id)
