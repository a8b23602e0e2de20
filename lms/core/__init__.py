"""The kernel every feature stands on. Imports no feature package (shared/STYLE.md)."""
