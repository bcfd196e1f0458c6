"""Caching, in one place: what is kept, under which version, and who retires it.

(The full design description is written at the end of the redesign; see the modules.)
"""
