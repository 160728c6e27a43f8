"""Serving the OGI dataset with Datasette."""
