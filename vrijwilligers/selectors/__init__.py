"""Reads about volunteers and shifts. One module per sub-domain."""
