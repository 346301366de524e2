"""Evaluation toolkit."""
