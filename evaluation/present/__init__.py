"""Swedish-formatted tables, charts and maps; they accept only protected outputs."""
