"""The SQL store: tables, engine, migrations, repositories and the work queue."""
