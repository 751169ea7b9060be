"""Reminders to families: the channels they go through (``channels``) and the run of
``manage.py send_reminders`` that records and sends them (``run``)."""
