"""The org tree's units (company -> department -> team) and their memberships over HTTP and
GraphQL: one shape, its REST routes, its GraphQL fields."""
