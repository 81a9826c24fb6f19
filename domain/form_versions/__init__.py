# SPDX-License-Identifier: EUPL-1.2
"""Forms kept in the database, versioned per municipality like diagrams.

See docs/forms.md ("Form versions"): the shipped files are the base's version 1; an
analyst saves new versions (the base's or a municipality's variant); deploying a
process pins the versions in force on its definition, and its cases keep them.
"""
