"""For contributors: drafts of an article's annotation (suggest) and the fields never typed by hand (fill)."""
