"""360 reviews (360度评价) over HTTP and GraphQL: their shapes, REST routes, GraphQL fields and
the CSV export for HR systems."""
