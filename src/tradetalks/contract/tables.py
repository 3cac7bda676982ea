"""One Pandera DataFrameModel (polars backend) per table: the contract of every release.

Every field carries a description; the dataset card and the loader's column docs are generated
from these, so documentation and schema never drift apart. Validate eagerly (a DataFrame, not a
LazyFrame): pandera checks only the schema of a LazyFrame by default, and bad rows would pass.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

import polars as pl

from tradetalks.contract.input_files import EVENT_TYPES, INSTRUMENTS, LINK_RELATIONS, PLACE_KINDS, PRECISIONS, SLUG, STATUSES
from tradetalks.contract.pandera_api import pa

ID = SLUG
HASH_ID = r"^{prefix}_[0-9a-f]{{16}}$"
METHODS_RE = r"^(curated|rule:[a-z_]+)$"

# Nested column types in pandera's documented ``Annotated[pl.List, inner]`` form: a dtype instance
# such as ``pl.List(pl.String)`` works at run time but is not a type to a type checker.
SEGMENT = Annotated[pl.List, pl.Struct({"kind": pl.String, "char_start": pl.Int64, "char_end": pl.Int64, "reason": pl.String})]
ROLE = Annotated[pl.List, pl.Struct({"article_id": pl.String, "role": pl.String, "organisation": pl.String, "country": pl.String})]
STRINGS = Annotated[pl.List, pl.String()]


class Provenance(pa.DataFrameModel):
    """Columns every table carries: where in which article the row's support is."""

    article_id: pl.String = pa.Field(str_matches=ID, description="The source article (FK articles.article_id).")
    char_start: pl.Int64 = pa.Field(ge=0, description="Start of the supporting span: 0-based code-point offset into articles.text.")
    char_end: pl.Int64 = pa.Field(ge=1, description="End of the supporting span (exclusive); text[char_start:char_end] == evidence.")
    evidence: pl.String = pa.Field(str_length={"min_value": 1}, description="The exact characters of the source article that support the row.")
    method: pl.String = pa.Field(
        str_matches=METHODS_RE, description="How the row was made: 'curated' (human annotation) or 'rule:<name>' (a deterministic rule)."
    )

    @pa.dataframe_check(description="char_end > char_start, and the span's length equals the evidence's length")
    def span_is_well_formed(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("char_end") > pl.col("char_start")) & ((pl.col("char_end") - pl.col("char_start")) == pl.col("evidence").str.len_chars())
        )

    class Config:
        strict = True
        coerce = False


class Articles(Provenance):
    """One row per source article: metadata, the raw text, and the spans that are not its body."""

    article_id: pl.String = pa.Field(unique=True, str_matches=ID, description="Stable, readable id of the article; the file name under dataset/articles/.")
    seed_file: pl.String = pa.Field(nullable=True, description="The file name the raw text was received under.")
    title: pl.String = pa.Field(nullable=True, description="Headline as it appears in the text; null when the text carries none.")
    outlet: pl.String = pa.Field(nullable=True, description="Publishing outlet, only when the text supports it; null otherwise (see outlet_note).")
    outlet_id: pl.String = pa.Field(nullable=True, str_matches=ID, description="The publishing outlet (FK outlets.outlet_id), only when the text supports it.")
    outlet_note: pl.String = pa.Field(nullable=True, description="Why the outlet is what it is, or why it is unknown.")
    url: pl.String = pa.Field(nullable=True, description="Source URL when known.")
    authors: STRINGS = pa.Field(description="person_ids of the byline, in byline order (FK people.person_id).")
    wire_service: pl.String = pa.Field(
        nullable=True,
        description="Wire service or syndication credited in the text (Reuters, Bloomberg...), used so corroboration does not count one wire story twice.",
    )
    wire_service_id: pl.String = pa.Field(nullable=True, str_matches=ID, description="The credited wire service (FK outlets.outlet_id).")
    published_date: pl.Date = pa.Field(nullable=True, description="Publication date as stated in the text (e.g. a page header); null when not stated.")
    published_date_end: pl.Date = pa.Field(
        nullable=True,
        description="Last day the article may have been published (the end of the week or month of a vague published_date); sort by published_date.",
    )
    published_date_precision: pl.String = pa.Field(nullable=True, isin=PRECISIONS, description="Precision of published_date.")
    published_date_note: pl.String = pa.Field(nullable=True, description="Where published_date comes from, and any conflict with the content.")
    reference_date: pl.Date = pa.Field(description="The date relative expressions in the text ('on Friday', 'next week') are resolved against.")
    reference_date_note: pl.String = pa.Field(description="Why reference_date is that date (header, content, or both).")
    language: pl.String = pa.Field(str_matches=r"^[a-z]{2}$", description="ISO 639-1 language code of the text.")
    text: pl.String = pa.Field(description="The raw article text exactly as received (never edited).")
    text_sha256: pl.String = pa.Field(str_matches=r"^[0-9a-f]{64}$", description="sha256 of the raw text's UTF-8 bytes.")
    n_chars: pl.Int64 = pa.Field(ge=1, description="Length of text in Unicode code points.")
    segments: SEGMENT = pa.Field(
        description="Spans that are not the article's own body (site boilerplate, duplicated copy, page headers, captions, bylines), and transcripts (speech without quotation marks, recorded as quotes of kind turn); kind, char_start, char_end, reason."
    )
    notes: STRINGS = pa.Field(description="Curators' notes and judgement calls about this article.")

    @pa.dataframe_check(description="n_chars equals the length of text, and the provenance span is the whole text")
    def whole_text(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("n_chars") == pl.col("text").str.len_chars())
            & (pl.col("char_start") == 0)
            & (pl.col("char_end") == pl.col("n_chars"))
            & (pl.col("evidence") == pl.col("text"))
        )


class People(Provenance):
    """One row per person named in an article body or byline; provenance is the first mention."""

    person_id: pl.String = pa.Field(unique=True, str_matches=ID, description="Stable slug id of the person.")
    name: pl.String = pa.Field(description="The person's name as the articles give it.")
    aliases: STRINGS = pa.Field(description="Every surface form matched as a mention (rule:alias), plus ambiguous forms resolved by curation.")
    roles: ROLE = pa.Field(description="Roles as stated, one per article that states one: article_id, role, organisation, country (ISO 3166-1 alpha-3).")
    country: pl.String = pa.Field(
        nullable=True, str_matches=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 country the person acts for, when the text supports it."
    )
    wikidata_id: pl.String = pa.Field(nullable=True, str_matches=r"^Q[1-9][0-9]*$", description="Wikidata id, only with a recorded source; null otherwise.")
    n_articles: pl.Int64 = pa.Field(ge=1, description="Distinct articles that mention the person (derived from evidence).")
    n_outlets: pl.Int64 = pa.Field(ge=1, description="Distinct outlets that mention the person, a wire story counted once (derived from evidence).")
    n_mentions: pl.Int64 = pa.Field(ge=1, description="Mentions in article bodies and bylines, excluding duplicated copy (derived from evidence).")


class Quotes(Provenance):
    """One row per quotation occurrence in an article (the characters between the marks), or per speaker's turn in a transcript."""

    quote_id: pl.String = pa.Field(unique=True, str_matches=HASH_ID.format(prefix="q"), description="Stable id from (article_id, char_start, char_end).")
    text: pl.String = pa.Field(description="The quotation with whitespace runs folded to single spaces (evidence keeps the raw characters).")
    speaker_id: pl.String = pa.Field(
        nullable=True, str_matches=ID, description="The speaker (FK people.person_id); null when the speaker is an organisation or unknown."
    )
    speaker_name: pl.String = pa.Field(nullable=True, description="The speaking person's name (people.name), when the speaker is a registered person.")
    speaker_organisation: pl.String = pa.Field(
        nullable=True,
        description="The speaking organisation as the text names it ('Xinhua', 'Chinese Commerce Ministry'), when an organisation speaks or the unnamed speaker's organisation is stated.",
    )
    speaker_note: pl.String = pa.Field(nullable=True, description="Why the speaker is who it is, or why unknown ('an unnamed spokesperson of the ministry').")

    @pa.dataframe_check(description="every quote names a speaker, an organisation or why it is unknown")
    def speaker_is_said(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.any_horizontal(pl.col("speaker_id", "speaker_organisation", "speaker_note").is_not_null()))

    kind: pl.String = pa.Field(
        isin=["full", "partial", "turn"],
        description="'full' sentence(s), a 'partial' fragment inside the reporter's sentence, or a 'turn' of a transcript (speech without quotation marks).",
    )
    cue: pl.String = pa.Field(nullable=True, description="The reporting verb or cue ('said', 'wrote', 'told reporters'), when present.")
    channel: pl.String = pa.Field(
        nullable=True,
        isin=["interview", "social_media", "statement", "press_conference", "remarks", "readout", "report"],
        description="Where the words were said, when the text states it.",
    )
    in_duplicate: pl.Boolean = pa.Field(
        description="True when the occurrence lies in duplicated copy of the article (drop these to count each quotation once)."
    )
    quote_group_id: pl.String = pa.Field(
        str_matches=r"^qg_[0-9a-f]{12}$",
        description="Same words reported by several articles share a group (after normalising quotes, dashes, case; near matches above the documented threshold). A published group keeps its id in every later release.",
    )
    merged_group_ids: STRINGS = pa.Field(
        description="Published quote_group_ids merged into this group since the previous release (new quotes joined them); empty otherwise."
    )
    n_articles: pl.Int64 = pa.Field(ge=1, description="Distinct articles carrying this quote group.")
    n_outlets: pl.Int64 = pa.Field(ge=1, description="Distinct outlets carrying this quote group, a wire story counted once.")
    note: pl.String = pa.Field(nullable=True, description="Curator's note.")


class _Subject(Provenance):
    n_articles: pl.Int64 = pa.Field(ge=1, description="Distinct articles with evidence for the row (derived from evidence).")
    n_outlets: pl.Int64 = pa.Field(ge=1, description="Distinct outlets with evidence for the row, a wire story counted once.")
    disputed: pl.Boolean = pa.Field(description="True when articles make claims about a field that cannot all be true (the disputes table lists them).")
    note: pl.String = pa.Field(nullable=True, description="Curator's note.")


class Events(_Subject):
    """One row per real-world event; provenance is the primary (first) evidence span."""

    event_id: pl.String = pa.Field(unique=True, str_matches=ID, description="Stable slug id of the event.")
    event_type: pl.String = pa.Field(isin=EVENT_TYPES, description="Kind of event.")
    description: pl.String = pa.Field(description="What happened, in one sentence.")
    date_start: pl.Date = pa.Field(
        nullable=True, description="First day the event may fall on (the first day of the week, month or year for a vague date); sort by it."
    )
    date_end: pl.Date = pa.Field(nullable=True, description="Last day the event may fall on; date_start..date_end is the interval a vague date stands for.")
    date_precision: pl.String = pa.Field(
        nullable=True,
        isin=PRECISIONS,
        description="'day', 'week', 'month', 'year', or 'range' (the event spans date_start..date_end); null exactly when no text dates the event.",
    )
    date_note: pl.String = pa.Field(nullable=True, description="How the date was resolved (time zones, relative expressions).")
    place_id: pl.String = pa.Field(nullable=True, str_matches=ID, description="Where, when stated (FK places.place_id).")
    participants: STRINGS = pa.Field(description="person_ids of participants (FK people.person_id).")

    @pa.dataframe_check(description="date_end is not before date_start")
    def dates_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("date_start").is_null() | pl.col("date_end").is_null() | (pl.col("date_end") >= pl.col("date_start")))

    @pa.dataframe_check(description="date_precision is null exactly when date_start is null (an event no text dates)")
    def precision_with_date(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("date_start").is_null() == pl.col("date_precision").is_null())


class TariffMeasures(_Subject):
    """One row per tariff or trade measure, threatened ones included; provenance is the primary evidence span."""

    measure_id: pl.String = pa.Field(unique=True, str_matches=ID, description="Stable slug id of the measure.")
    imposer: STRINGS = pa.Field(description="Who imposes it: ISO 3166-1 alpha-3 codes (two for a bilateral truce); empty when the text names no country.")
    imposer_note: pl.String = pa.Field(nullable=True, description="Who imposes it in words, when the codes cannot say it.")
    target: STRINGS = pa.Field(description="Whom it targets: ISO 3166-1 alpha-3 codes; empty when the text names no country.")
    target_note: pl.String = pa.Field(
        nullable=True, description="Whom it targets in words ('five American subsidiaries of a South Korean shipping company'), when the codes cannot say it."
    )
    instrument: pl.String = pa.Field(isin=INSTRUMENTS, description="Kind of measure.")
    description: pl.String = pa.Field(description="What the measure is, in one sentence.")
    rate_pct: pl.Float64 = pa.Field(nullable=True, ge=0, le=1000, description="Tariff rate in percent, when stated.")
    rate_basis: pl.String = pa.Field(nullable=True, isin=["additional", "total"], description="Whether rate_pct adds to existing duties or is the total.")
    scope: pl.String = pa.Field(nullable=True, description="Goods or entities covered, as stated.")
    status: pl.String = pa.Field(
        nullable=True, isin=STATUSES, description="Current status, derived from measure_steps (the step with is_current); null when no article states a status."
    )
    announced_date: pl.Date = pa.Field(nullable=True, description="First day it may have been announced or threatened; sort by it.")
    announced_date_end: pl.Date = pa.Field(nullable=True, description="Last day it may have been announced or threatened.")
    announced_date_precision: pl.String = pa.Field(nullable=True, isin=PRECISIONS, description="Precision of announced_date.")
    effective_date: pl.Date = pa.Field(nullable=True, description="First day it takes or took effect (as stated; a planned date for a threat).")
    effective_date_end: pl.Date = pa.Field(nullable=True, description="Last day it may take or have taken effect.")
    effective_date_precision: pl.String = pa.Field(nullable=True, isin=PRECISIONS, description="Precision of effective_date.")
    expiry_date: pl.Date = pa.Field(nullable=True, description="First day it may expire or have expired.")
    expiry_date_end: pl.Date = pa.Field(nullable=True, description="Last day it may expire or have expired.")
    expiry_date_precision: pl.String = pa.Field(nullable=True, isin=PRECISIONS, description="Precision of expiry_date.")

    @pa.dataframe_check(description="an imposer or target without a country code says who it is in its note")
    def parties_are_said(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            ((pl.col("imposer").list.len() > 0) | pl.col("imposer_note").is_not_null())
            & ((pl.col("target").list.len() > 0) | pl.col("target_note").is_not_null())
        )

    @pa.dataframe_check(description="every *_end is not before its start")
    def dates_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        ok = pl.lit(True)
        for start in ("announced_date", "effective_date", "expiry_date"):
            ok = ok & (pl.col(start).is_null() | pl.col(f"{start}_end").is_null() | (pl.col(f"{start}_end") >= pl.col(start)))
        return data.lazyframe.select(ok)


class Evidence(Provenance):
    """One row per supporting span (and claimed value) for a row of people, events or tariff_measures."""

    evidence_id: pl.String = pa.Field(
        unique=True,
        str_matches=HASH_ID.format(prefix="ev"),
        description="Stable id from (subject_table, subject_id, article_id, char_start, char_end, claim_field).",
    )
    subject_table: pl.String = pa.Field(isin=["people", "events", "tariff_measures"], description="Table of the supported row.")
    subject_id: pl.String = pa.Field(str_matches=ID, description="Id of the supported row in subject_table.")
    claim_field: pl.String = pa.Field(
        nullable=True,
        description="The subject's field this span makes a claim about ('date' for an event's dates, 'announced_date', 'location', 'status'...); null for plain support or a mention.",
    )
    claim_value: pl.String = pa.Field(
        nullable=True,
        description="The value this article claims for claim_field, as text (a date as ISO 8601: a day, or start/end for a vague one); the typed columns below hold it by kind.",
    )
    claim_date_start: pl.Date = pa.Field(nullable=True, description="For a date claim: the first day of the interval it stands for.")
    claim_date_end: pl.Date = pa.Field(nullable=True, description="For a date claim: the last day of the interval it stands for.")
    claim_date_precision: pl.String = pa.Field(nullable=True, isin=PRECISIONS, description="For a date claim: day, week, month, year or range.")
    claim_number: pl.Float64 = pa.Field(nullable=True, description="For a numeric claim (rate_pct): the number.")
    claim_place_id: pl.String = pa.Field(nullable=True, str_matches=ID, description="For a location claim: the place it names (FK places.place_id).")
    date_text: pl.String = pa.Field(
        nullable=True,
        description="The date words as stated ('Saturday morning', 'a week from tomorrow') on a date claim resolved from them, or on plain support.",
    )
    in_duplicate: pl.Boolean = pa.Field(description="True when the span lies in duplicated copy of the article.")
    note: pl.String = pa.Field(nullable=True, description="Curator's note.")
    variant: pl.Boolean = pa.Field(
        description="True when the span is a surface form of the person used in this article only (a misspelling, a transliteration, a surname without title), recorded on the article's mention as printed; it is not one of the person's aliases and matches nothing in other articles. False for every other row."
    )


class Disputes(Provenance):
    """One row per value of a disputed field (claims that cannot all be true), recomputed at every build; provenance is the first span stating the value."""

    # Dates conflict only when their intervals are disjoint, places only when neither lies within
    # the other, statuses only when two of them are claimed for the same moment.

    dispute_id: pl.String = pa.Field(
        unique=True, str_matches=HASH_ID.format(prefix="dp"), description="Stable id from (subject_table, subject_id, field, value)."
    )
    subject_table: pl.String = pa.Field(isin=["events", "tariff_measures"], description="Table of the disputed row.")
    subject_id: pl.String = pa.Field(str_matches=ID, description="Id of the disputed row in subject_table.")
    field: pl.String = pa.Field(
        description="The disputed field: 'date' (an event's date_start..date_end), 'announced_date', 'effective_date', 'expiry_date', 'location', 'status', or another claim field."
    )
    value: pl.String = pa.Field(description="One value the articles claim, as text (a date as ISO 8601 day or start/end; a place as its place_id).")
    value_date_start: pl.Date = pa.Field(nullable=True, description="For a date: the first day of the claimed interval.")
    value_date_end: pl.Date = pa.Field(nullable=True, description="For a date: the last day of the claimed interval.")
    articles: STRINGS = pa.Field(description="The articles that state this value (FK articles.article_id), sorted.")
    outlets: STRINGS = pa.Field(
        description="The known outlets (or wire services) of those articles, sorted; articles with no known outlet are left out (n_unknown_outlet_articles counts them)."
    )
    evidence_ids: STRINGS = pa.Field(description="The evidence rows that state this value (FK evidence.evidence_id), sorted.")
    n_articles: pl.Int64 = pa.Field(ge=1, description="Distinct articles stating this value.")
    n_outlets: pl.Int64 = pa.Field(
        ge=1,
        description="Distinct outlets stating this value, a wire story counted once and an article of unknown outlet counted as its own: n_known_outlets + n_unknown_outlet_articles.",
    )
    n_known_outlets: pl.Int64 = pa.Field(ge=0, description="Distinct known outlets (or wire services) stating this value: the length of outlets.")
    n_unknown_outlet_articles: pl.Int64 = pa.Field(
        ge=0, description="Articles stating this value whose outlet is unknown (each may be any outlet, a known one included)."
    )

    @pa.dataframe_check(description="n_outlets = n_known_outlets + n_unknown_outlet_articles, and outlets lists the known ones")
    def outlets_add_up(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("n_outlets") == pl.col("n_known_outlets") + pl.col("n_unknown_outlet_articles"))
            & (pl.col("outlets").list.len() == pl.col("n_known_outlets"))
        )

    row_value: pl.String = pa.Field(nullable=True, description="The value the subject row uses for the field, as text.")
    used: pl.Boolean = pa.Field(description="True when this value agrees with the row's value.")
    resolution: pl.String = pa.Field(description="The curator's note: which value the row uses, and why.")


class MeasureSteps(Provenance):
    """One row per status a measure has passed through, as the articles state it (its lifecycle); provenance is the first span stating the step."""

    # A status claim is a step, not a disagreement; two statuses claimed for the same moment are a dispute.

    step_id: pl.String = pa.Field(unique=True, str_matches=HASH_ID.format(prefix="st"), description="Stable id from (measure_id, status).")
    measure_id: pl.String = pa.Field(str_matches=ID, description="The measure (FK tariff_measures.measure_id).")
    status: pl.String = pa.Field(
        isin=STATUSES, description="The status of this step: threatened, proposed, announced, agreed, in_effect, paused, averted, withdrawn, expired..."
    )
    date_start: pl.Date = pa.Field(nullable=True, description="First day the step may have begun; null when no text dates it.")
    date_end: pl.Date = pa.Field(nullable=True, description="Last day the step may have begun.")
    date_precision: pl.String = pa.Field(nullable=True, isin=PRECISIONS, description="Precision of the step's date.")
    date_source: pl.String = pa.Field(
        nullable=True, description="Where the date comes from: the measure's field that dates this status (announced_date, effective_date, expiry_date)."
    )
    seq: pl.Int64 = pa.Field(ge=1, description="Order of the step in the measure's lifecycle (by date, then by the usual order of statuses).")
    accepted: pl.Boolean = pa.Field(
        description="False when the step's status lost a dispute (another status was claimed for the same moment and the curator chose it)."
    )
    is_current: pl.Boolean = pa.Field(description="True for the measure's current status: its last accepted step.")
    articles: STRINGS = pa.Field(description="The articles that state the status (FK articles.article_id), sorted.")
    n_articles: pl.Int64 = pa.Field(ge=1, description="Distinct articles stating the status.")
    n_outlets: pl.Int64 = pa.Field(ge=1, description="Distinct outlets stating the status, a wire story counted once.")


class MeasureEvents(Provenance):
    """One row per link between a measure and an event (its announcement, a statement about it); provenance is the event's first span in an article that names both."""

    link_id: pl.String = pa.Field(unique=True, str_matches=HASH_ID.format(prefix="ml"), description="Stable id from (measure_id, event_id, relation).")
    measure_id: pl.String = pa.Field(str_matches=ID, description="The measure (FK tariff_measures.measure_id).")
    event_id: pl.String = pa.Field(str_matches=ID, description="The event (FK events.event_id).")
    relation: pl.String = pa.Field(
        isin=LINK_RELATIONS, description="What the event is to the measure: announcement, threat, statement, report, agreement, talks, pause."
    )
    note: pl.String = pa.Field(nullable=True, description="Curator's note.")


class Outlets(pa.DataFrameModel):
    """One row per outlet of dataset/outlets.yml (publisher or wire service), so corroboration counts outlets, not files."""

    outlet_id: pl.String = pa.Field(unique=True, str_matches=ID, description="Stable slug id of the outlet.")
    name: pl.String = pa.Field(description="The outlet's name.")
    domain: pl.String = pa.Field(nullable=True, description="Its web domain, when known.")
    owner: pl.String = pa.Field(nullable=True, description="Who owns it, when known.")
    country_iso3: pl.String = pa.Field(nullable=True, str_matches=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 of the country it is based in.")
    is_wire_service: pl.Boolean = pa.Field(description="True for a wire service, whose stories other outlets republish.")
    aliases: STRINGS = pa.Field(description="Other names articles use for it.")

    class Config:
        strict = True
        coerce = False


class Places(pa.DataFrameModel):
    """One row per place of dataset/places.yml: reference geography, so that location claims compare by meaning."""

    place_id: pl.String = pa.Field(unique=True, str_matches=ID, description="Stable slug id of the place.")
    name: pl.String = pa.Field(description="The place's name.")
    kind: pl.String = pa.Field(isin=PLACE_KINDS, description="country, region, city or venue.")
    within: pl.String = pa.Field(nullable=True, str_matches=ID, description="The place it lies within (FK places.place_id); null for a country.")
    country_iso3: pl.String = pa.Field(nullable=True, str_matches=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 of the country the place lies in.")
    aliases: STRINGS = pa.Field(description="Other names location claims use for it.")

    class Config:
        strict = True
        coerce = False


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "articles": Articles,
    "people": People,
    "quotes": Quotes,
    "events": Events,
    "tariff_measures": TariffMeasures,
    "evidence": Evidence,
    "disputes": Disputes,
    "measure_steps": MeasureSteps,
    "measure_events": MeasureEvents,
    "places": Places,
    "outlets": Outlets,
}
# The provenance columns, in release order (declared by the `Provenance` model).
PROVENANCE = tuple(Provenance.__annotations__)

KEYS = {
    "articles": "article_id",
    "people": "person_id",
    "quotes": "quote_id",
    "events": "event_id",
    "tariff_measures": "measure_id",
    "evidence": "evidence_id",
    "disputes": "dispute_id",
    "measure_steps": "step_id",
    "measure_events": "link_id",
    "places": "place_id",
    "outlets": "outlet_id",
}


class ForeignKey(NamedTuple):
    """A column of `table` whose values are keys of `parent` (`many`: a list column, each element one)."""

    table: str
    column: str
    parent: str
    many: bool = False

    @property
    def parent_column(self) -> str:
        return KEYS[self.parent]


# Every reference from one table to another's key: the build checks each (pipeline/validate.py),
# datapackage.json and croissant.json declare the single-column ones, the card lists them all.
# (evidence.subject_id and disputes.subject_id name a row of the table in their subject_table:
# checked by the build, described in the card, not expressible as a foreign key.)
FOREIGN_KEYS: tuple[ForeignKey, ...] = (
    *(ForeignKey(name, "article_id", "articles") for name, model in MODELS.items() if name != "articles" and issubclass(model, Provenance)),
    ForeignKey("quotes", "speaker_id", "people"),
    ForeignKey("articles", "authors", "people", many=True),
    ForeignKey("events", "participants", "people", many=True),
    ForeignKey("events", "place_id", "places"),
    ForeignKey("places", "within", "places"),
    ForeignKey("evidence", "claim_place_id", "places"),
    ForeignKey("measure_steps", "measure_id", "tariff_measures"),
    ForeignKey("measure_events", "measure_id", "tariff_measures"),
    ForeignKey("measure_events", "event_id", "events"),
    ForeignKey("disputes", "articles", "articles", many=True),
    ForeignKey("disputes", "evidence_ids", "evidence", many=True),
    ForeignKey("measure_steps", "articles", "articles", many=True),
    ForeignKey("articles", "outlet_id", "outlets"),
    ForeignKey("articles", "wire_service_id", "outlets"),
)


def allowed_values(table: str) -> dict[str, list[str]]:
    """The columns of `table` that take one of a declared list of values (`isin`), with the values in declared order."""
    cols = MODELS[table].to_schema().columns
    out = {}
    for name in column_order(table):
        for check in cols[name].checks:
            if check.name == "isin":
                out[name] = list(check.statistics["allowed_values"])
    return out


def column_order(table: str) -> list[str]:
    """Key first, then the table's own columns, then provenance: the order of the Parquet files."""
    model = MODELS[table]
    names = list(model.to_schema().columns)
    key = KEYS[table]
    prov = [c for c in PROVENANCE if c != key]
    own = [c for c in model.__annotations__ if c in names]
    rest = [c for c in names if c not in own]
    return [key] + [c for c in own + rest if c != key and c not in prov] + [c for c in prov if c in names]


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """The exact polars dtype of every column, in release order."""
    cols = MODELS[table].to_schema().columns
    return {name: cols[name].dtype.type for name in column_order(table)}


def descriptions(table: str) -> dict[str, str]:
    cols = MODELS[table].to_schema().columns
    return {name: cols[name].description or "" for name in column_order(table)}


def table_description(table: str) -> str:
    return (MODELS[table].__doc__ or "").strip()
