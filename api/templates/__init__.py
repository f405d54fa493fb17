"""OKR templates (模板) over HTTP and GraphQL: one shape, its REST routes, its GraphQL fields."""
