"""OKR cycles (周期) over HTTP and GraphQL: one shape, its REST routes, its GraphQL fields."""
