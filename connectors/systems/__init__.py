# SPDX-License-Identifier: EUPL-1.2
"""One package per outside system: client, simulator and ``register(registry)``."""
