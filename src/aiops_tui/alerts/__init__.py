"""Alert rules and their lifecycle: pure, no I/O (issue 4)."""
