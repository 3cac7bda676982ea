"""`tradetalks suggest`: draft an article's annotation file, so that a contributor only reviews it.

The draft follows the ARTICLE schema (contract/input_files.py). Whatever a rule guessed carries a
`# GUESS:` comment, whatever a person must decide a `# DECIDE:` comment, and whatever the text
cannot tell a `# TODO:` comment; `tradetalks validate` refuses the file until they are gone.
Modules, one idea each:

- `page` — segments that are not the article's body (boilerplate, headers, bylines, captions,
  repeated copies), the headline, and the reference date with its evidence and reasoning;
- `people` — everyone named: registered people by alias, misspellings by similarity (drafted as
  variants of this article), new people by structure (titles, bylines, reporting verbs), roles;
- `attribution` — the speaker of each quotation from the structure of attribution, and titles of
  works in quotation marks (not quotations);
- `claims` — events and measures: dated expressions attached to the words around them, matched to
  registry entries or drafted as new ones (kept apart: the claims model may change);
- `render` — rows with their review comments, evidence that locates, YAML out;
- `draft` — the entry points `suggest` (text → YAML) and `suggest_file` (path → YAML, `--write`).
Evidence strings are the article's own characters with whitespace runs folded, and carry
`occurrence` (or `every_copy`) whenever they appear more than once, so every one of them locates.
"""

from tradetalks.authoring.suggest.draft import suggest, suggest_file

__all__ = ["suggest", "suggest_file"]
