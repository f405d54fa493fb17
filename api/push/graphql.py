"""Push URLs in the graph: the ``keyResultPushUrls`` query that lists a KR's, and the
mutations that create and revoke one (the type is ``api.push.shapes.PushUrlOut``, named
``PushUrl``: never its secret). Pushing is REST's: a push needs no JWT, so it has no place
behind the GraphQL endpoint's token."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.connections import AfterArg, Connection, FirstArg, connection, page_request
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.mutations import write
from api.push.shapes import PushUrlOut
from service import push_urls
from service.pagination import DEFAULT_LIMIT


@strawberry.type
class PushUrlQuery:
    @field(
        description="A key result's push URLs, revoked ones included, oldest first, a page "
        "at a time: name, who created it and when, when last called; never their secrets. "
        "For whoever may edit the KR (its owner, their managers, the objective's editors, "
        "admins); `not_found` when you may not see it, `forbidden` when you may not edit it."
    )
    async def key_result_push_urls(
        self,
        info: Info,
        key_result_id: UUID,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
    ) -> Connection[PushUrlOut]:
        ctx = info.context
        found = await push_urls.list_push_urls(
            ctx.deps, ctx.principal, key_result_id, page_request(first, after)
        )
        return connection(found, PushUrlOut.of, lambda p: p.id)


@strawberry.input(description="A new push URL of a key result, named for the integration.")
class CreatePushUrlInput:
    key_result_id: UUID
    name: str = strawberry.field(
        description="The integration that will call it (`hubspot`): its check-ins name it."
    )


@strawberry.input(description="Revoke a push URL for good: its calls are 404 from now on.")
class RevokePushUrlInput:
    key_result_id: UUID
    push_url_id: UUID


@strawberry.type
class CreatePushUrlPayload:
    push_url: PushUrlOut
    url: str | None = strawberry.field(
        description="POST here to check in on the KR (the secret is in it). Shown only now."
    )
    token: str = strawberry.field(
        description="The secret alone, for `Authorization: Bearer` on `POST /v1/push`. "
        "Shown only now."
    )


@strawberry.type
class RevokePushUrlPayload:
    push_url: PushUrlOut


@strawberry.type
class PushUrlMutation:
    @mutation(
        description="Whoever may edit the key result (its owner, their managers, the "
        "objective's editors, admins) creates a push URL: a secret URL that checks in on "
        "the KR when called, for tools that can only call a URL. Audited; the secret is "
        "shown in this payload only."
    )
    async def create_push_url(self, info: Info, input: CreatePushUrlInput) -> CreatePushUrlPayload:
        created = await write(info, push_urls.create_push_url, input.key_result_id, input.name)
        request = info.context.request
        url = (
            str(request.url_for("push_check_in", token=created.token))
            if request is not None
            else None
        )
        return CreatePushUrlPayload(
            push_url=PushUrlOut.of(created.push_url), url=url, token=created.token
        )

    @mutation(
        description="Revoke a push URL (whoever may edit its key result); audited. Revoking "
        "a revoked one changes nothing."
    )
    async def revoke_push_url(self, info: Info, input: RevokePushUrlInput) -> RevokePushUrlPayload:
        revoked = await write(
            info, push_urls.revoke_push_url, input.key_result_id, input.push_url_id
        )
        return RevokePushUrlPayload(push_url=PushUrlOut.of(revoked))
