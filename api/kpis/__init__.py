"""KPIs (关键绩效指标) over HTTP and GraphQL: their shapes, REST routes and GraphQL fields."""
