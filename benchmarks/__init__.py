"""Capacity-planning benchmarks for tenant backup & restore (``python -m benchmarks ...``).

The harness never imports Django: every measured piece of work runs in its own child
process (``manage.py ...`` or a gunicorn server) with ``DATABASE_URL`` pointing at a
database the suite created, so the figures are those of the real commands.
"""
