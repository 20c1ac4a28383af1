"""The ``data`` object of each document type, one module per annex."""
