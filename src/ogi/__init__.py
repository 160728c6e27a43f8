"""ogi-reports: Chinese Open Government Information annual reports as one open dataset.

The package is laid out as the pipeline: ``acquire`` (files → sources with provenance),
``extract`` (bytes → text), ``parse`` (text → sections, tables, figures, citations),
``check`` (the report's own arithmetic), ``summarise`` (one comparable row per report),
``package`` (Frictionless Data Package), ``validate``, ``load`` (SQLite) and ``serve``
(Datasette). ``build`` runs them in order; ``cli`` is a thin layer over them.
"""

__version__ = "0.1.0"
