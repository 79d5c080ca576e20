"""statuskommune: the publication pipeline for KS' annual report *Status Kommune*."""

__version__ = "0.1.0"
