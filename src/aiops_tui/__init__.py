"""aiops-tui: one keyboard-driven screen for the whole path of each production AI scenario."""

__version__ = "0.1.0"
