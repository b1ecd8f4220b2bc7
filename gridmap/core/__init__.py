"""Foundations: settings, clock, errors, database connections, the local cluster, migrations."""
