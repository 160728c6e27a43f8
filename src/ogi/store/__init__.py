"""Store: the package in SQLite, for the site and for anyone's SQL.

* :mod:`ogi.store.load` — a built package (or the chunk databases of a build) → the
  database, its keys checked as rows go in; an incremental build's update of it;
* :mod:`ogi.store.search` — full-text search that finds Chinese words (every Han character a
  token, a word searched as a phrase);
* :mod:`ogi.store.views` — what the site needs inside the database (``views.yml``: views,
  their titles, the site's extra search indexes and indexes).
"""
