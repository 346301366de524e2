"""Comments that mark a report page's summary block, written by the notebook, read by the export.

Kept apart from ``keyfigures`` so that the export and the index page find the block
without importing pandas (``keyfigures`` builds on the protected outputs).
"""

SUMMARY_START = "<!--evaluation:summary-->"
SUMMARY_END = "<!--/evaluation:summary-->"
SUMMARY_ID = "sammanfattning"
