"""A KR's external forecasts in the graph: the ``keyResultForecasts`` query and the
``postKeyResultForecast`` mutation. The type and the input's fields are the shapes of
``api.forecasts.shapes`` (REST's); only the KR id of the input and the payload are here."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import BaseModel

from api.forecasts.shapes import ForecastCreate, ForecastOut
from api.graphql.as_of import AS_OF, parse_as_of
from api.graphql.connections import AfterArg, Connection, FirstArg, connection, page_request
from api.graphql.context import Info
from api.graphql.fields import field, mutation
from api.graphql.mutations import write
from service import forecasts
from service.pagination import DEFAULT_LIMIT


class _KeyResultId(BaseModel):
    key_result_id: UUID


@strawberry.pydantic.input(
    description="An external forecast of a key result: a commit and a best case of its "
    "value at its cycle's end, made on `asOfDate`."
)
class PostKeyResultForecastInput(ForecastCreate, _KeyResultId):
    pass


@strawberry.type
class PostKeyResultForecastPayload:
    forecast: ForecastOut
    duplicate: bool = strawberry.field(
        default=False,
        description="True when the KR had a forecast with this `externalId`: `forecast` is "
        "that one, and nothing changed.",
    )


@strawberry.type
class ForecastQuery:
    @field(
        description="A key result's external forecasts, newest first (by when posted), a "
        "page at a time; with `asOf`, those posted at or before it. `not_found` when you may "
        "not see the KR."
    )
    async def key_result_forecasts(
        self,
        info: Info,
        key_result_id: UUID,
        first: FirstArg = DEFAULT_LIMIT,
        after: AfterArg = None,
        as_of: Annotated[str | None, strawberry.argument(description=AS_OF)] = None,
    ) -> Connection[ForecastOut]:
        ctx = info.context
        page = page_request(first, after)
        found = await forecasts.forecast_history(
            ctx.deps, ctx.principal, key_result_id, page, as_of=parse_as_of(as_of)
        )
        return connection(found, ForecastOut.of, lambda f: f.id)


@strawberry.type
class ForecastMutation:
    @mutation(
        description="Post an external forecast of a key result (whoever may check in on it, "
        "or a service token with `check_ins:write`). A best case worse than the commit for "
        "the KR's direction is refused at `bestCase`. With an `externalId` the KR already "
        "has, nothing is stored: `duplicate` and that forecast."
    )
    async def post_key_result_forecast(
        self, info: Info, input: PostKeyResultForecastInput
    ) -> PostKeyResultForecastPayload:
        recorded = await write(info, forecasts.record_forecast, input.key_result_id, input.to_new())
        return PostKeyResultForecastPayload(
            forecast=ForecastOut.of(recorded.forecast), duplicate=recorded.duplicate
        )
