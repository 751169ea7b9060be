"""Shift reminders: what is due (``finders``) and the run of ``manage.py
send_shift_reminders`` that records and sends them (``run``), on ``kern.outbox``."""
