"""The audit trail (who changed what): one shape, its REST route, its GraphQL field."""
