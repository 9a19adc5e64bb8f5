"""The reference central catalog service (optional extra ``store-kiosk[central]``).

A FastAPI application over SQLAlchemy that serves each store its catalog as a
changes feed, plus scenes, images, analytics events and cart handoff short
links. The contract it implements is written down in docs/api.md.

Modules:
    settings: run-time settings read from the environment.
    db: engines for SQLite (default) and PostgreSQL, migrations, transactions.
    models: the central tables (its own declarative base).
    auth: bearer tokens (hashed at rest) and the FastAPI dependencies.
    feed: the per-store changes feed with keyset paging and ETags.
    publish: importing a catalog into the feed, price changes, overrides.
    scenes, images, events, handoffs: the other resources.
    app: the FastAPI application factory.
"""
