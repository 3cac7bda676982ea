"""Stage 3, detect: deterministic rules over an article's raw text.

Each module holds one rule and pure functions returning frozen dataclasses with
[start, end) offsets into the text (Python `str` indexing, like every span of the dataset):

- `quotations` — every quotation-mark span, straight and curly, nested and line-wrapped;
- `mentions` — every alias occurrence of a registered person, plus the ambiguous ones to curate;
- `dates` — relative and absolute date expressions, resolved against a reference date;
- `groups` — the same quotation reported by several articles, matched after normalisation.

Only exact, mechanical rules add rows on their own (alias mentions); the rest feed the
coverage checks and `tradetalks suggest`.
"""
