"""Marks a notebook's outputs carry for the render step: protected outputs, the summary block.

Kept apart from ``output`` and ``keyfigures`` so that the render step (the export, the
output check, the index page) finds them without importing pandas.
"""

PROTECTED_METADATA = {"evaluation": {"protected": True}}
"""Metadata that marks a display as one of the package's protected outputs (R10). The
renderer refuses every published notebook output without it (``render/outputs.py``)."""
SUMMARY_START = "<!--evaluation:summary-->"
SUMMARY_END = "<!--/evaluation:summary-->"
SUMMARY_ID = "sammanfattning"
