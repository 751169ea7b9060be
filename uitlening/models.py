"""The counter keeps no records of its own yet (distributions and loans are not built):
a check-in reads and writes the households, cards and referrals of ``toegang``."""
