"""Inbound adapters: REST (FastAPI) and GraphQL (Strawberry) over the same use cases."""
