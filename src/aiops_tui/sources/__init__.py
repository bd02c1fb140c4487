"""Data collection: the only place (with actions) that talks HTTP to the fleet."""
