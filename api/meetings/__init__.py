"""Review meetings (复盘会, 周会, 月报) over HTTP and GraphQL: one shape, its REST routes, its
GraphQL fields."""
