"""Topics: embeddings → clustering → topic cards and bundles (see build.py)."""
