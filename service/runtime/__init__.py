"""The outer ring: what assembles and runs the process. Nothing else imports it.

The composition root (app.py), settings, the ``okr`` command, the embedded Postgres, the
migration runner, schema exports, token minting, logging setup and the demo loader.
"""
