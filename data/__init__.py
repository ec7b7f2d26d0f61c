"""The database and everything that computes on it. Imports no UI module."""
