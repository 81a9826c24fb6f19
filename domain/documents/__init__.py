# SPDX-License-Identifier: EUPL-1.2
"""Documents of service cases: templates, rendered PDFs, registration numbers and
the delivery of the result (e-address or the print queue).

Flask-free; services only flush. Outside systems (DVS, DEPP) are reached only through
the ``core.contracts.ConnectorRegistry`` port the caller hands in.
"""
