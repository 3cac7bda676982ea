"""The static site of a release: article pages, entity pages, the timeline and the search, from the release's files alone."""
