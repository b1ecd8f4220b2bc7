"""All SQL lives here, one module per table group; functions take a psycopg connection."""
