"""The dataset's version: the one place it is written (SemVer for data, see README)."""

__version__ = "2.0.0"
