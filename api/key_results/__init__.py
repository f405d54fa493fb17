"""Key results (关键结果) and their check-ins (进度更新) over HTTP and GraphQL: one shape, its
REST routes, its GraphQL fields."""
