"""The Postgres adapter: SQLAlchemy Core tables, repositories and the unit of work."""
