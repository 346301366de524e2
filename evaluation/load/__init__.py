"""A data folder in, validated canonical tables out: coercion, schemas, cross-table
references, area mapping, fingerprints and the private cache."""
