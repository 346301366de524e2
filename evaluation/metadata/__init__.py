"""Everything defined once: the data contract, codes and labels, survey scales, outcomes,
the indicator catalogue and the registry of report kinds."""
