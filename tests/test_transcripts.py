"""Transcripts: speech without quotation marks is recorded as speaker turns, and coverage knows about it."""

from __future__ import annotations

import pytest

from conftest import PEOPLE, article_meta, make_dataset
from tradetalks.errors import DatasetError
from tradetalks.pipeline.run import check

TEXT = (
    "Scott Bessent speaks to Fox Business\n"
    "BARTIROMO: Will the tariff of 100 percent stand after the talks in Malaysia next week?\n"
    "BESSENT: We are going to do fine with China, and the talks will be in person.\n"
    "Copyright the broadcaster\n"
)
ASK = "Will the tariff of 100 percent stand after the talks in Malaysia next week?"
ANSWER = "We are going to do fine with China, and the talks will be in person."


def _corpus(root, turns, segments=None):
    segments = segments if segments is not None else [{"kind": "transcript", "start": "BARTIROMO:", "end": "in person.", "reason": "interview transcript"}]
    meta = article_meta(
        TEXT, title={"evidence": "Scott Bessent speaks to Fox Business"}, segments=segments, quotes=turns, not_mentions=[], roles=[], events=[], measures=[]
    )
    return make_dataset(root, {"talks-next-week": (TEXT, meta)}, people=[PEOPLE[0]], events=[], measures=[])


TURNS = [
    {
        "evidence": ASK,
        "speaker": None,
        "speaker_organisation": "Fox Business",
        "speaker_note": 'the interviewer ("BARTIROMO")',
        "kind": "turn",
        "channel": "interview",
    },
    {"evidence": ANSWER, "speaker": "scott-bessent", "kind": "turn", "channel": "interview"},
]


def test_turns_are_quotes_with_their_speakers(tmp_path):
    quotes = check(_corpus(tmp_path, TURNS)).tables["quotes"].sort("char_start")
    assert quotes["kind"].to_list() == ["turn", "turn"]
    assert quotes["speaker_id"].to_list() == [None, "scott-bessent"]
    assert quotes["text"].to_list() == [ASK, ANSWER]


def test_speech_in_a_transcript_without_a_turn_is_reported(tmp_path):
    with pytest.raises(DatasetError, match=r"'BESSENT: We are going to do fine.*has no turn; add it under `quotes` with kind: turn"):
        check(_corpus(tmp_path, TURNS[:1]))


def test_a_turn_outside_a_transcript_is_refused(tmp_path):
    with pytest.raises(DatasetError, match=r"a turn is speech inside a transcript segment"):
        check(_corpus(tmp_path, TURNS, segments=[]))
