"""Renderers of a release's formats, one module per thing rendered.

They read a release directory's files and the facts in `metadata`; they import nothing of the
pipeline (sources, locate, assemble, validate, release), so that arrows run one way.
"""
