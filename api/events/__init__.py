"""The change feed (events for integrations): one shape, its REST route, its GraphQL field."""
