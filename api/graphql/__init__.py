"""The GraphQL adapter (Strawberry) at /graphql."""
