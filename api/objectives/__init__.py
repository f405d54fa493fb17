"""Objectives (目标) over HTTP and GraphQL: one shape, its REST routes, its GraphQL fields."""
