"""Pure indicator functions: canonical tables in, tidy frames out.

Every share or rate comes with its numerator and denominator so privacy rules
and confidence intervals are applied afterwards, in one place.
"""
