"""External forecasts of key results (外部预测): REST and GraphQL."""
