"""Everything defined once.

The data contract, codes and Swedish labels, survey scales, outcomes, the
indicator catalogue and the registry of report kinds.
"""
