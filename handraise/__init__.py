"""Handraise: a self-hosted business-development engine for small service businesses."""

__version__ = "0.1.0"
