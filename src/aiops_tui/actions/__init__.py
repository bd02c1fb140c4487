"""Incident actions: what may be done (policy), the record of it (audit), and the control
planes that do it (adapters). No Textual import: the console, the CLI and scripts share it."""
