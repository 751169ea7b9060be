"""Tests of the API as a whole: its OpenAPI contract and the fuzz run."""
