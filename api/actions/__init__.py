"""Actions (行动, the A of OKMA) under key results: one shape, its REST routes, its GraphQL
fields."""
