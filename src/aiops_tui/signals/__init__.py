"""Signal math: pure functions from stored samples to the per-scenario picture. No I/O."""
