"""Placeholder until the schema lands: builds the /graphql router."""

from __future__ import annotations

from fastapi import APIRouter

from service.settings import Settings


def create_graphql_router(settings: Settings) -> APIRouter:
    del settings
    return APIRouter()
