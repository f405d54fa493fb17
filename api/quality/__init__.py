"""The OKR linter (质量检查) over HTTP and GraphQL: its shapes, REST routes, GraphQL fields."""
