"""The application: one module per use case.

Each use case takes the repositories (or the :class:`~graph_model.database.Database` they are
built on) and settings it needs, calls the domain, the format readers and the algorithms,
commits, and returns a domain value or raises a domain exception. It knows no web framework
and no driver: ``api/`` and ``cli/`` translate requests and arguments into these calls.
"""
