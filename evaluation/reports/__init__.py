"""One module per report kind, named by its kind key, plus the shared report context."""
