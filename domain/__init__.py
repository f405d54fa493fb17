"""The rules of the OKR service: entities, value objects and pure functions (stdlib only)."""
