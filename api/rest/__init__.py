"""The REST adapter (FastAPI) under /v1."""
