# SPDX-License-Identifier: EUPL-1.2
"""PKIP as an OpenID Connect provider for the municipality's other systems (single
sign-on), Flask-free: the registered clients, authorization codes, tokens and
sign-in sessions (``models``), the operations on them (``services``), and the key
that signs ID tokens and logout tokens (``keys``). The web side — Authlib's
authorization server, the endpoints and the admin pages — is webapp/oidc; the
back-channel logout call is wired in pkip/oidc.py. See docs/sso.md.
"""
