"""Outbound adapters implementing service/ports.py."""
