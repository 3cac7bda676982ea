"""Seeded synthetic corpus: N articles with realistic annotations, as real dataset/ files.

    python benchmarks/synth.py OUT_DIR N [--seed 0]

Each article has a headline, a byline, ~12 body sentences, 5 quotations (full and partial),
alias mentions of registered people, 3 roles, 3 event and 2 measure annotations with claims,
and a boilerplate footer: about 20 curated rows plus the rule:alias mentions. The output
passes `tradetalks validate` (a test checks it for small N).
"""

from __future__ import annotations

import argparse
import hashlib
import random
from pathlib import Path

import yaml

FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fumiko", "Goran", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya"]
LAST = [
    "Abbott",
    "Baptiste",
    "Castillo",
    "Dalton",
    "Eriksen",
    "Fontaine",
    "Gallagher",
    "Haddad",
    "Ibarra",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
]
ROLES = [("Trade Minister", "CHN"), ("Commerce Secretary", "USA"), ("Finance Minister", "DEU"), ("Trade Representative", "USA"), ("Vice Premier", "CHN")]
VERBS = ["said", "told reporters", "wrote", "added", "stated"]
VOCAB = (
    "we will talk trade tariffs fair deal china united states markets export controls rare earths "
    "minerals partners respect progress meeting delegation president secretary minister time next week "
    "agreement framework truce sustainable pressure"
).split()
TOPICS = ["rare earth exports", "soybean purchases", "chip export controls", "port fees", "shipping sanctions", "tariff truce"]


def registries(rng: random.Random, n_people: int = 120, n_events: int = 300, n_measures: int = 150):
    names = [(first, last) for first in FIRST for last in LAST]
    rng.shuffle(names)
    people = []
    for first, last in names[:n_people]:
        pid = f"{first}-{last}".lower()
        people.append({"person_id": pid, "name": f"{first} {last}", "aliases": [f"{first} {last}"], "country": rng.choice(ROLES)[1]})
    events = [
        {
            "event_id": f"event-{i:04d}",
            "event_type": rng.choice(["call", "meeting", "talks", "announcement"]),
            "description": f"Synthetic event {i} about {rng.choice(TOPICS)}.",
            "date_start": f"2025-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
            "date_precision": "day",
            "participants": [people[rng.randrange(n_people)]["person_id"]],
        }
        for i in range(n_events)
    ]
    for e in events:
        e["date_end"] = e["date_start"]
    measures = [
        {
            "measure_id": f"measure-{i:04d}",
            "imposer": [rng.choice(["USA", "CHN"])],
            "target": [rng.choice(["USA", "CHN"])],
            "instrument": rng.choice(["tariff", "export_control", "sanction"]),
            "description": f"Synthetic measure {i}.",
            "rate_pct": rng.choice([10, 25, 50, 100]),
            "rate_basis": "additional",
            "status": rng.choice(["threatened", "announced", "in_effect"]),
        }
        for i in range(n_measures)
    ]
    return people, events, measures


def article(rng: random.Random, i: int, people, events, measures) -> tuple[str, str, dict]:
    aid = f"synthetic-article-{i:06d}"
    cast = rng.sample(people, 4)
    lines = [f"Talks on {rng.choice(TOPICS)} continue, report {i}", f"By {cast[3]['name']}"]
    quotes, roles, evs, ms = [], [], [], []
    for k, person in enumerate(cast[:3]):
        role, country = rng.choice(ROLES)
        phrase = f"{role} {person['name']}"
        lines.append(f"{phrase} met counterparts in meeting {i}-{k} on {rng.choice(TOPICS)}.")
        roles.append({"person": person["person_id"], "role": role, "country": country, "evidence": phrase})
    for k in range(5):
        speaker = cast[k % 3]
        words = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(6, 14))).capitalize()
        if k % 2:
            lines.append(f"{speaker['name']} described the exchange as “{words}” after the session.")
            quotes.append({"evidence": words, "speaker": speaker["person_id"], "kind": "partial", "cue": "described"})
        else:
            lines.append(f"“{words},” {speaker['name']} {rng.choice(VERBS)}.")
            quotes.append({"evidence": words + ",", "speaker": speaker["person_id"], "kind": "full", "cue": "said"})
    for k, event in enumerate(rng.sample(events, 3)):
        sentence = f"Officials recorded event {event['event_id']} (note {i}-{k}) on {event['date_start']}."
        lines.append(sentence)
        evs.append({"event": event["event_id"], "evidence": sentence[:-1], "claims": {"date_start": event["date_start"]}})
    for k, measure in enumerate(rng.sample(measures, 2)):
        sentence = f"Measure {measure['measure_id']} sets a {measure['rate_pct']} per cent rate (note {i}-{k})."
        lines.append(sentence)
        ms.append({"measure": measure["measure_id"], "evidence": sentence[:-1], "claims": {"rate_pct": measure["rate_pct"], "status": measure["status"]}})
    lines.append(f"Related stories: “Other headline {i}” and more")
    text = "\n".join(lines) + "\n"
    meta = {
        "article_id": aid,
        "seed_file": None,
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "title": {"evidence": lines[0]},
        "outlet": None,
        "outlet_note": "synthetic article",
        "authors": [cast[3]["person_id"]],
        "published_date": "2025-10-20",
        "published_date_precision": "day",
        "reference_date": "2025-10-20",
        "reference_date_note": "synthetic",
        "language": "en",
        "segments": [
            {"kind": "byline", "start": lines[1], "reason": "byline"},
            {"kind": "boilerplate", "start": "Related stories:", "end": "and more", "reason": "related links"},
        ],
        "quotes": quotes,
        "roles": roles,
        "events": evs,
        "measures": ms,
    }
    return aid, text, meta


def generate(out: Path, n: int, seed: int = 0) -> Path:
    """Write out/dataset/ with n articles; return out."""
    rng = random.Random(seed)
    people, events, measures = registries(rng)
    d = Path(out) / "dataset" / "articles"
    d.mkdir(parents=True, exist_ok=True)
    used_people, used_events, used_measures = set(), set(), set()
    dump = lambda data: yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, allow_unicode=True)  # noqa: E731
    for i in range(n):
        aid, text, meta = article(rng, i, people, events, measures)
        (d / f"{aid}.txt").write_bytes(text.encode())
        (d / f"{aid}.yml").write_text(dump(meta), encoding="utf-8")
        used_people.update(r["person"] for r in meta["roles"])
        used_people.update(meta["authors"])
        used_events.update(e["event"] for e in meta["events"])
        used_measures.update(m["measure"] for m in meta["measures"])
    # Registries hold only what the articles support (an unsupported row is a build error).
    people = [p for p in people if p["person_id"] in used_people]
    events = [dict(e, participants=[x for x in e["participants"] if x in used_people]) for e in events if e["event_id"] in used_events]
    # A measure's status is what the articles claim (a lifecycle step), not a registry field.
    measures = [{k: v for k, v in m.items() if k != "status"} for m in measures if m["measure_id"] in used_measures]
    for name, rows in (("people", people), ("events", events), ("measures", measures)):
        (Path(out) / "dataset" / f"{name}.yml").write_text(dump({name: rows}), encoding="utf-8")
    return Path(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.out, args.n, args.seed)
    print(f"wrote {args.n} articles to {args.out / 'dataset'}")
