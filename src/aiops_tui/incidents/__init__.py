"""Incidents: declared, staffed, followed step by step, resolved and written up."""
