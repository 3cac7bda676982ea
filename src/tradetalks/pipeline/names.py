"""How a person's name may be typed: one script per word, in Unicode's NFC form, and not a look-alike
of another person's name.

Aliases are matched character for character in every article, so a name typed with a Cyrillic `е`
in a Latin word, or with its accents decomposed (NFD), matches nothing while looking right, and a
second entry that differs from another only by case or accents splits one person's quotations.
"""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import categories, confusables


def typed_name_problem(value: str) -> str | None:
    """What is wrong with a typed name or alias, or None."""
    if unicodedata.normalize("NFC", value) != value:
        return "is not in Unicode's composed form (NFC): an accent is typed as a separate mark; retype it (copy it from the article's text)"
    for word in value.split():
        if confusables.is_mixed_script(word):
            scripts = [categories.alias(c) for c in word if categories.alias(c) != "COMMON"]
            usual = max(sorted(set(scripts)), key=scripts.count)
            odd = ", ".join(f"{c!r} ({unicodedata.name(c, 'unnamed')})" for c in word if categories.alias(c) not in (usual, "COMMON"))
            return f"mixes {' and '.join(sorted(s.capitalize() for s in set(scripts)))} letters in {word!r} ({odd}); retype it in one script"
    return None


def look_alike_key(name: str) -> str:
    """A name with case, accents and compatibility forms set aside: two people equal here are one person typed twice."""
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())
