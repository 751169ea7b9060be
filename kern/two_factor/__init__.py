"""A second factor at login: a TOTP app (django-otp) with single-use recovery codes.

Whoever has enrolled is always asked for a code after the password; with
TWO_FACTOR_REQUIRED (on in production) anyone who may do more than a volunteer must
enrol first. Until then the session reaches only the verify, enrol and logout pages
(``middleware.SecondFactorMiddleware``, one place for every page and API operation).
"""
