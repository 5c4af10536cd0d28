"""Qualitas: an open-source electronic quality management system."""

__version__ = "0.1.0"
