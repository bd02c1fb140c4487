"""Storage: the DuckDB file (the only place with SQL) and the live snapshot for followers."""
