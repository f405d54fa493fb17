"""Webhook endpoints (Standard Webhooks) and their delivery logs: shapes and REST routes."""
