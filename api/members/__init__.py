"""The organization's members (成员) over HTTP and GraphQL: one shape, its REST routes
(``/v1/members`` and ``/v1/me``), its GraphQL fields."""
