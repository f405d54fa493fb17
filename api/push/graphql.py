"""Push URLs in the graph: the mutations that create and revoke one (the type is
``api.push.shapes.PushUrlOut``, named ``PushUrl``). Listing them and pushing are REST's:
a push needs no JWT, so it has no place behind the GraphQL endpoint's token."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.context import Info
from api.graphql.fields import mutation
from api.graphql.mutations import write
from api.push.shapes import PushUrlOut
from service import push_urls


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
