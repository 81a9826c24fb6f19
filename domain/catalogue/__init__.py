# SPDX-License-Identifier: EUPL-1.2
"""The service catalogue (process 1): a card per municipality and service, its
versions, price lists and approval (docs/catalogue.md)."""
