"""Reads of the reports: anonymous aggregates only (see ``rapportering.anonymity``)."""
