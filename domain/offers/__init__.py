# SPDX-License-Identifier: EUPL-1.2
"""What a municipality offers: its services as the catalogue's cards in force
describe them, each with the process that runs it (docs/catalogue.md, "Offers")."""
