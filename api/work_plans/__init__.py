"""Work plans (工作计划) over HTTP and GraphQL: one shape, its REST routes, its GraphQL fields."""
