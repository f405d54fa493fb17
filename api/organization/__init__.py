"""The caller's organization (组织) over HTTP and GraphQL: one shape, its REST routes, its
GraphQL fields."""
