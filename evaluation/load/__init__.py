"""A data folder in, validated canonical tables out.

Coercion, schemas, cross-table references, area mapping, fingerprints and the
private cache of canonical tables.
"""
