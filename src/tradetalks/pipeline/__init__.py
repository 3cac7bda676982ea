"""The build, one stage a module: read -> locate -> rows -> combine -> validate -> write (run.py reads as that list)."""
