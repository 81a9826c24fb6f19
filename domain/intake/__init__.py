# SPDX-License-Identifier: EUPL-1.2
"""The intake queue ("Ienākošie"): incoming e-address, DIV, paper and VPVKAC letters
and applications a registry clerk turns into a case, attaches to one, or registers
as correspondence. ``models`` the tables, ``checks`` which files are accepted,
``services`` receiving and the clerk's actions, ``desk`` paper and VPVKAC
registration, ``rules`` the municipality's routing rules. No Flask; nothing
commits."""
