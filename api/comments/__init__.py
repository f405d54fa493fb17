"""Comments with @mentions (评论与 @ 提及): one shape, its REST routes, its GraphQL fields."""
