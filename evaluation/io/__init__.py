"""Readers for input files: contract tables, SCB PxWeb, Kolada and area boundaries."""
