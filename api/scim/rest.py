"""/scim/v2: SCIM 2.0 Users (members), Groups (org units) and discovery, with scim2-models.

Bodies are ``application/scim+json`` and every error on this surface is a SCIM Error
message (``status``, ``scimType``, ``detail``), not problem+json: the routes use
:class:`ScimRoute`, which maps errors for them alone. The surface describes itself through
/ServiceProviderConfig, /ResourceTypes and /Schemas (SCIM's own discovery), so it is left
out of the OpenAPI document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Email,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    GroupMember,
    ListResponse,
    Manager,
    Meta,
    Name,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    SchemaExtension,
    SCIMException,
    ScimFilter,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models import Error as ScimError
from scim2_models.path import Comparison, LogicalExpr
from scim2_models.path.expressions import LogicalOperator

from api.deps import authenticate
from api.rest.dependencies import UseCaseDeps
from api.rest.http import expected_version
from api.security import Unauthenticated
from domain.errors import Conflict, DomainError, Forbidden, NotFound, StaleVersion
from service import scim
from service.auth import Principal
from service.context import Deps
from service.scim_ports import (
    OwnedWork,
    ScimAttribute,
    ScimCondition,
    ScimOperator,
    ScimUserQuery,
)

MEDIA_TYPE = "application/scim+json"
ScimUser = User[EnterpriseUser]
# The header that answers what a deactivated member owns (objectives, KRs, KPIs, actions).
OWNED_HEADER = "OKR-Needs-New-Owner"


def _error(status: int, detail: str, scim_type: str | None = None) -> Response:
    body = ScimError(status=status, scim_type=scim_type, detail=detail).model_dump()
    return Response(json.dumps(body), status_code=status, media_type=MEDIA_TYPE)


def _domain_error(error: DomainError) -> Response:
    if isinstance(error, NotFound):
        return _error(404, error.detail)
    if isinstance(error, StaleVersion):
        return _error(412, error.detail)
    if isinstance(error, Forbidden):
        return _error(403, error.detail)
    if isinstance(error, Conflict):
        if error.code.endswith("_taken"):
            return _error(409, error.detail, "uniqueness")
        return _error(409, error.detail)
    return _error(400, error.detail, "invalidValue")


class ScimRoute(APIRoute):
    """A route whose errors are SCIM Error messages (RFC 7644 section 3.12)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthenticated as error:
                return _error(401, error.detail)
            except DomainError as error:
                return _domain_error(error)
            except SCIMException as error:
                return _error(error.status, error.detail, error.scim_type or None)
            except (ValidationError, RequestValidationError) as error:
                return _error(400, str(error).splitlines()[0], "invalidValue")

        return scim_handler


router = APIRouter(prefix="/scim/v2", route_class=ScimRoute, include_in_schema=False)


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def _principal(request: Request) -> Principal:
    return await authenticate(request)


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise SCIMException(detail="the body is not JSON") from None


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/scim/v2"


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise NotFound("resource not found") from None


def _etag(version: int) -> str:
    return f'W/"{version}"'


# -- Users ---------------------------------------------------------------------------------


def _to_scim(user: scim.ScimUser, base: str) -> ScimUser:
    member, profile = user.member, user.profile
    out = ScimUser(
        id=str(member.id),
        external_id=member.external_id,
        user_name=profile.user_name if profile else member.email,
        display_name=member.name,
        name=Name(
            formatted=member.name,
            given_name=profile.given_name if profile else None,
            family_name=profile.family_name if profile else None,
        ),
        emails=None
        if scim.is_placeholder_email(member.email)
        else [Email(value=member.email, primary=True, type="work")],
        active=member.active,
        meta=Meta(
            resource_type="User",
            created=member.created_at,
            last_modified=member.updated_at,
            version=_etag(member.version),
            location=f"{base}/Users/{member.id}",
        ),
    )
    out[EnterpriseUser] = EnterpriseUser(
        department=profile.department if profile else None,
        employee_number=profile.employee_number if profile else None,
        manager=_manager(user, base),
    )
    return out


def _manager(user: scim.ScimUser, base: str) -> Manager | None:
    """The manager with its ``$ref`` (RFC 7643 section 4.3); a manager still pending is
    only the reference the client gave, which points at no User yet."""
    if user.member.manager_id is not None:
        manager_id = user.member.manager_id
        return Manager(value=str(manager_id), ref=f"{base}/Users/{manager_id}")
    return Manager(value=user.pending_manager) if user.pending_manager else None


def _user_data(user: ScimUser) -> scim.ScimUserData:
    if not user.user_name:
        raise SCIMException(detail="userName is required")
    emails = user.emails or []
    primary = next((e for e in emails if e.primary), emails[0] if emails else None)
    extension = (
        user[EnterpriseUser]
        if EnterpriseUser in type(user).get_extension_models().values()
        else None
    )
    manager = extension.manager if extension else None
    return scim.ScimUserData(
        user_name=user.user_name,
        email=primary.value if primary and primary.value else None,
        formatted_name=user.name.formatted if user.name else None,
        given_name=user.name.given_name if user.name else None,
        family_name=user.name.family_name if user.name else None,
        active=user.active if user.active is not None else True,
        external_id=user.external_id,
        manager_ref=manager.value if manager and manager.value else None,
        department=extension.department if extension else None,
        employee_number=extension.employee_number if extension else None,
    )


def _owned_header(owned: OwnedWork | None) -> dict[str, str]:
    """``objectives=<id>,<id>; key_results=...; kpis=...; actions=...`` (empty kinds left out)."""
    if owned is None:
        return {}
    parts = [
        f"{kind}={','.join(str(i) for i in ids)}"
        for kind, ids in (
            ("objectives", owned.objectives),
            ("key_results", owned.key_results),
            ("kpis", owned.kpis),
            ("actions", owned.actions),
        )
        if ids
    ]
    return {OWNED_HEADER: "; ".join(parts) or "none"}


def _user_response(user: scim.ScimUser, request: Request, status: int = 200) -> Response:
    body = _to_scim(user, _base(request)).model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE,
        response_parameters=_response_parameters(request, ScimUser),
    )
    headers = {"ETag": _etag(user.member.version), **_owned_header(user.owned)}
    if status == 201:
        headers["Location"] = f"{_base(request)}/Users/{user.member.id}"
    return _answer(body, status, headers)


def _response_parameters(request: Request, model: Any) -> ResponseParameters[Any]:
    """``attributes`` / ``excludedAttributes`` (RFC 7644 section 3.9), which scim2-models
    applies when it dumps a resource; an unknown attribute is a 400 ``invalidValue``."""
    parameters: ResponseParameters[Any] = ResponseParameters[model].model_validate(
        {
            "attributes": request.query_params.get("attributes"),
            "excludedAttributes": request.query_params.get("excludedAttributes"),
        }
    )
    return parameters


_FILTER_ATTRIBUTES = {
    "id": ScimAttribute.ID,
    "username": ScimAttribute.USER_NAME,
    "externalid": ScimAttribute.EXTERNAL_ID,
    "emails": ScimAttribute.EMAIL,
    "emails.value": ScimAttribute.EMAIL,
    "active": ScimAttribute.ACTIVE,
    "name.familyname": ScimAttribute.FAMILY_NAME,
    "name.givenname": ScimAttribute.GIVEN_NAME,
    "meta.created": ScimAttribute.CREATED,
    "meta.lastmodified": ScimAttribute.LAST_MODIFIED,
}


def _attribute(name: str) -> ScimAttribute:
    found = _FILTER_ATTRIBUTES.get(name.lower().removeprefix(_CORE_PREFIX.lower()))
    if found is None:
        raise SCIMException(detail=f"{name} cannot be filtered or sorted on")
    return found


_CORE_PREFIX = "urn:ietf:params:scim:schemas:core:2.0:User:"


def _invalid_filter(detail: str) -> SCIMException:
    error = SCIMException(detail=detail)
    error.scim_type = "invalidFilter"
    return error


def _conditions(expression: str) -> tuple[ScimCondition, ...]:
    """Parse a filter with scim2-models; this surface answers ``and`` of eq / co / sw."""
    try:
        ast = ScimFilter(expression).ast
    except Exception as error:  # the parser's own errors: its message says what is wrong
        raise _invalid_filter(str(error)) from None
    terms = ast.terms if isinstance(ast, LogicalExpr) else (ast,)
    if isinstance(ast, LogicalExpr) and ast.op != LogicalOperator.and_:
        raise _invalid_filter("only 'and' joins filter expressions here")
    out: list[ScimCondition] = []
    for term in terms:
        if not isinstance(term, Comparison) or term.op.value not in {"eq", "co", "sw"}:
            raise _invalid_filter("only eq, co and sw comparisons are supported")
        path = str(term.attr_path)
        value = term.value
        if not isinstance(value, (str, bool)):
            raise _invalid_filter(f"{value!r} is not a supported filter value")
        try:
            attribute = _attribute(path)
        except SCIMException as error:
            raise _invalid_filter(error.detail) from None
        out.append(ScimCondition(attribute, ScimOperator(term.op.value), value))
    return tuple(out)


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise _invalid_filter(f"{name} must be an integer") from None
    # Past any directory's size, and within what the database's offset takes (int64): a
    # startIndex of 10**20 answered 500.
    return max(-_PARAM_BOUND, min(number, _PARAM_BOUND))


_PARAM_BOUND = 2**31


def _version(request: Request) -> int | None:
    return expected_version(request.headers.get("if-match"))


async def _list_parameters(
    filter_: Annotated[str | None, Query(alias="filter")] = None,
    sort_by: Annotated[str | None, Query(alias="sortBy")] = None,
    sort_order: Annotated[str | None, Query(alias="sortOrder")] = None,
    start_index: Annotated[str | None, Query(alias="startIndex")] = None,
    count: Annotated[str | None, Query(alias="count")] = None,
    attributes: Annotated[str | None, Query(alias="attributes")] = None,
    excluded_attributes: Annotated[str | None, Query(alias="excludedAttributes")] = None,
) -> None:
    """Declares the SCIM list parameters (unknown ones are refused app-wide); they are read
    from the request, where a bad value answers a SCIM error rather than a 422."""


ListParameters = Annotated[None, Depends(_list_parameters)]


@router.get("/Users")
async def list_users(request: Request, deps: UseCaseDeps, _: ListParameters) -> Response:
    principal = await _principal(request)
    params = request.query_params
    sort_by = params.get("sortBy")
    query = ScimUserQuery(
        conditions=_conditions(params["filter"]) if params.get("filter") else (),
        sort_by=_attribute(sort_by) if sort_by else None,
        descending=params.get("sortOrder", "ascending").lower() == "descending",
        start_index=max(1, _int_param(request, "startIndex", 1)),
        count=max(0, _int_param(request, "count", 100)),
    )
    page = await scim.list_users(deps, principal, query)
    base = _base(request)
    listing = ListResponse[ScimUser](
        total_results=page.total,
        start_index=query.start_index,
        items_per_page=len(page.users),
        resources=[_to_scim(u, base) for u in page.users],
    )
    return _answer(
        listing.model_dump(
            scim_ctx=Context.SEARCH_RESPONSE,
            response_parameters=_response_parameters(request, ScimUser),
        )
    )


@router.post("/Users")
async def create_user(request: Request, deps: UseCaseDeps) -> Response:
    principal = await _principal(request)
    user = ScimUser.model_validate(await _body(request))
    created = await scim.create_user(deps, principal, _user_data(user))
    return _user_response(created, request, 201)


@router.get("/Users/{user_id}")
async def get_user(
    user_id: str, request: Request, deps: UseCaseDeps, _: ListParameters
) -> Response:
    principal = await _principal(request)
    return _user_response(await scim.get_user(deps, principal, _uuid(user_id)), request)


@router.put("/Users/{user_id}")
async def replace_user(user_id: str, request: Request, deps: UseCaseDeps) -> Response:
    principal = await _principal(request)
    user = ScimUser.model_validate(await _body(request))
    replaced = await scim.replace_user(
        deps, principal, _uuid(user_id), _user_data(user), expected_version=_version(request)
    )
    return _user_response(replaced, request)


@router.patch("/Users/{user_id}")
async def patch_user(user_id: str, request: Request, deps: UseCaseDeps) -> Response:
    """Apply the operations (scim2-models' PatchOp) to the current User, then replace it."""
    principal = await _principal(request)
    member_id = _uuid(user_id)
    patch = PatchOp[ScimUser].model_validate(await _body(request))
    current = await scim.get_user(deps, principal, member_id)
    version = _version(request)
    if version is not None and version != current.member.version:
        raise StaleVersion("the User changed since you read it")
    resource = _to_scim(current, _base(request))
    patch.patch(resource)
    replaced = await scim.replace_user(
        deps,
        principal,
        member_id,
        _user_data(resource),
        expected_version=version if version is not None else current.member.version,
    )
    return _user_response(replaced, request)


@router.delete("/Users/{user_id}")
async def delete_user(user_id: str, request: Request, deps: UseCaseDeps) -> Response:
    principal = await _principal(request)
    owned = await scim.delete_user(
        deps, principal, _uuid(user_id), expected_version=_version(request)
    )
    return Response(status_code=204, headers=_owned_header(owned))


# -- Groups --------------------------------------------------------------------------------


def _group(
    group: scim.ScimGroup, base: str, parameters: ResponseParameters[Any] | None = None
) -> dict[str, Any]:
    out = Group(
        id=str(group.unit.id),
        display_name=group.unit.name,
        members=[
            GroupMember(value=str(m), ref=f"{base}/Users/{m}", type="User")
            for m in group.member_ids
        ],
        meta=Meta(
            resource_type="Group",
            created=group.unit.created_at,
            last_modified=group.unit.updated_at,
            version=_etag(group.unit.version),
            location=f"{base}/Groups/{group.unit.id}",
        ),
    )
    dumped: dict[str, Any] = out.model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters
    )
    return dumped


def _group_response(group: scim.ScimGroup, request: Request, status: int = 200) -> Response:
    body = _group(group, _base(request), _response_parameters(request, Group))
    return _answer(body, status, {"ETag": _etag(group.unit.version)})


def _member_ids(members: list[GroupMember] | None) -> list[UUID]:
    return [_uuid(m.value) for m in members or [] if m.value]


@router.get("/Groups")
async def list_groups(request: Request, deps: UseCaseDeps, _: ListParameters) -> Response:
    principal = await _principal(request)
    display_name: str | None = None
    if expression := request.query_params.get("filter"):
        try:
            ast = ScimFilter(expression).ast
        except Exception as error:
            raise _invalid_filter(str(error)) from None
        if (
            not isinstance(ast, Comparison)
            or str(ast.attr_path).lower() != "displayname"
            or ast.op.value != "eq"
            or not isinstance(ast.value, str)
        ):
            raise _invalid_filter("Groups are filtered by displayName eq only")
        display_name = ast.value
    groups = await scim.list_groups(deps, principal, display_name)
    start = max(1, _int_param(request, "startIndex", 1))
    count = max(0, _int_param(request, "count", scim.MAX_RESULTS))
    page = groups[start - 1 : start - 1 + count]
    base = _base(request)
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(groups),
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [_group(g, base, _response_parameters(request, Group)) for g in page],
    }
    return _answer(body)


@router.post("/Groups")
async def create_group(request: Request, deps: UseCaseDeps) -> Response:
    principal = await _principal(request)
    group = Group.model_validate(await _body(request))
    if not group.display_name:
        raise SCIMException(detail="displayName is required")
    created = await scim.create_group(
        deps, principal, group.display_name, _member_ids(group.members)
    )
    return _group_response(created, request, 201)


@router.get("/Groups/{group_id}")
async def get_group(
    group_id: str, request: Request, deps: UseCaseDeps, _: ListParameters
) -> Response:
    principal = await _principal(request)
    return _group_response(await scim.get_group(deps, principal, _uuid(group_id)), request)


@router.put("/Groups/{group_id}")
async def replace_group(group_id: str, request: Request, deps: UseCaseDeps) -> Response:
    principal = await _principal(request)
    unit_id = _uuid(group_id)
    group = Group.model_validate(await _body(request))
    current = await scim.get_group(deps, principal, unit_id)
    return await _make_group_match(deps, principal, current, group, request)


@router.patch("/Groups/{group_id}")
async def patch_group(group_id: str, request: Request, deps: UseCaseDeps) -> Response:
    principal = await _principal(request)
    unit_id = _uuid(group_id)
    patch = PatchOp[Group].model_validate(await _body(request))
    current = await scim.get_group(deps, principal, unit_id)
    resource = Group.model_validate(_group(current, _base(request)))
    patch.patch(resource)
    return await _make_group_match(deps, principal, current, resource, request)


async def _make_group_match(
    deps: Deps, principal: Principal, current: scim.ScimGroup, group: Group, request: Request
) -> Response:
    """Rename the unit and add or remove members so it matches ``group`` (PUT and PATCH)."""
    wanted = _member_ids(group.members)
    changed = await scim.change_group(
        deps,
        principal,
        current.unit.id,
        name=group.display_name,
        add=[m for m in wanted if m not in current.member_ids],
        remove=[m for m in current.member_ids if m not in wanted],
        expected_version=_version(request),
    )
    return _group_response(changed, request)


@router.delete("/Groups/{group_id}")
async def delete_group(group_id: str, request: Request, deps: UseCaseDeps) -> Response:
    principal = await _principal(request)
    await scim.delete_group(deps, principal, _uuid(group_id), expected_version=_version(request))
    return Response(status_code=204)


# -- Discovery -----------------------------------------------------------------------------


def _service_provider_config(base: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=scim.MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="OAuth Bearer Token",
                description="A service token with the scim scope",
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{base}/ServiceProviderConfig"),
    )


def _resource_types(base: str) -> list[ResourceType]:
    return [
        ResourceType(
            id="User",
            name="User",
            endpoint="/Users",
            description="Members of the organization",
            schema_=ScimUser.__schema__,
            schema_extensions=[SchemaExtension(schema_=EnterpriseUser.__schema__, required=False)],
            meta=Meta(resource_type="ResourceType", location=f"{base}/ResourceTypes/User"),
        ),
        ResourceType(
            id="Group",
            name="Group",
            endpoint="/Groups",
            description="Org units and their members",
            schema_=Group.__schema__,
            meta=Meta(resource_type="ResourceType", location=f"{base}/ResourceTypes/Group"),
        ),
    ]


def _schemas(base: str) -> list[Any]:
    found = []
    for model in (User, EnterpriseUser, Group):
        schema = model.to_schema()
        schema.meta = Meta(resource_type="Schema", location=f"{base}/Schemas/{schema.id}")
        found.append(schema)
    return found


def _listing(items: list[Any]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(items),
        "startIndex": 1,
        "itemsPerPage": len(items),
        "Resources": [i.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for i in items],
    }


@router.get("/ServiceProviderConfig")
async def service_provider_config(request: Request) -> Response:
    await _principal(request)
    config = _service_provider_config(_base(request))
    return _answer(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/ResourceTypes")
async def resource_types(request: Request) -> Response:
    await _principal(request)
    return _answer(_listing(_resource_types(_base(request))))


@router.get("/ResourceTypes/{type_id}")
async def resource_type(type_id: str, request: Request) -> Response:
    await _principal(request)
    for item in _resource_types(_base(request)):
        if item.id == type_id:
            return _answer(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFound("no such resource type")


@router.get("/Schemas")
async def schemas(request: Request) -> Response:
    await _principal(request)
    return _answer(_listing(_schemas(_base(request))))


@router.get("/Schemas/{schema_id}")
async def schema(schema_id: str, request: Request) -> Response:
    await _principal(request)
    for item in _schemas(_base(request)):
        if item.id == schema_id:
            return _answer(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFound("no such schema")


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def unknown_endpoint(path: str) -> Response:
    """Anything else under /scim/v2 is a SCIM 404 (or 405 on a read-only discovery
    endpoint), not problem+json (RFC 7644 section 3.12)."""
    if path.split("/", maxsplit=1)[0] in _DISCOVERY:
        return _error(405, "the discovery endpoints are read-only")
    raise NotFound(f"no SCIM endpoint at /scim/v2/{path}")


_DISCOVERY = frozenset({"ServiceProviderConfig", "ResourceTypes", "Schemas"})
