"""Threshold rules, their set-based evaluation, and the alert lifecycle."""
