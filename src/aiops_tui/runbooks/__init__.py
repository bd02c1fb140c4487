"""Runbooks: markdown files with front matter, their steps as checklists, and search."""
