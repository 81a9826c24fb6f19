# SPDX-License-Identifier: EUPL-1.2
"""Service set-up (process 2): which process, forms and procedure page a service of a
municipality runs with, and whether it is ready to be started. See docs/services.md."""
