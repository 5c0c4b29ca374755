"""The sections every brief shares: header, bottom line (with horizons, assumptions and a
sourcing line), key assumptions, ledger, contradictions, competing hypotheses, indicators and
sources. Each takes a :class:`~briefbook.scope.Scope` and returns escaped, cited HTML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from briefbook import dates, tradecraft
from briefbook.citations import anchor, cite, recorded
from briefbook.scope import Scope
from briefbook.tables import (
    MAX_ROWS,
    Html,
    badge,
    csv_link,
    empty_state,
    esc,
    html_table,
    more_rows,
    plain_text,
)

RELIABILITY_WORDS = {
    "A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
    "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged",
}
CREDIBILITY_WORDS = {
    1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
    4: "doubtfully true", 5: "improbable", 6: "truth cannot be judged",
}
ALTERNATIVES_ANCHOR = "alternatives"


def _actor_names(scope: Scope) -> dict[str, str]:
    """Actor id -> name; build it once per section, not once per row (actors can be many)."""
    return dict(zip(scope.book["actors"].actor_id, scope.book["actors"].name, strict=True))


def header(scope: Scope) -> Html:
    """Title block: thread, edition and as-of date, parameters, fingerprint and sources used."""
    thread = scope.book["threads"].set_index("thread_id").loc[scope.thread]
    params = scope.params.as_dict(scope.as_of)
    edition = scope.edition
    if edition is None:
        edition_text = "none: no edition is dated on or before this as-of date"
    elif edition.as_of == scope.as_of:
        edition_text = f"{edition.number} — {esc(edition.summary)}"
    else:
        edition_text = (f"{edition.number} (as of {edition.as_of.isoformat()}), with the "
                        f"sources certainly published by {scope.as_of.isoformat()} — "
                        f"{esc(edition.summary)}")
    as_of_note = (" — a cut-off we chose. No source carries a date: a source counts only once the "
                  "last day of its estimated publication interval has passed (see Sources).")
    rows = [
        ("Thread", esc(thread.title)),
        ("Question", esc(thread.question)),
        ("Edition", edition_text),
        ("As of", esc(scope.as_of.isoformat()) + esc(as_of_note)),
        ("Parameters", ", ".join(f"<code>{esc(k)}={esc(_plain(v))}</code>"
                                 for k, v in params.items())),
        ("Data fingerprint", f"<code>{esc(scope.fingerprint)}</code> (SHA-256 of the rows and "
                             "texts this brief draws on)"),
        ("Sources used", str(len(scope.sources))),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    out = f'<table class="bb-header">{body}</table>'
    if scope.is_empty:
        out += (f'<p class="bb-alert">No source passes these parameters (none certainly published '
                f"by {esc(scope.as_of.isoformat())} with reliability "
                f"{esc(scope.params.min_reliability)} or better), so this brief has no evidence "
                f"to show. Every section below is empty.</p>")
    return Html(out)


def _plain(value: object) -> str:
    """A parameter value as a reader types it (``true``, not Python's ``True``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def ordered_judgments(scope: Scope, thread: str | None = None) -> pd.DataFrame:
    """A thread's judgments in bottom-line order: the one that leads the brief's scenario
    (``leads_scenario``) first, then by rank."""
    judgments = scope["judgments"]
    judgments = judgments[judgments.thread == (thread or scope.thread)]
    scenario = scope.params.thread.get("scenario") if thread in (None, scope.thread) else None
    leads = (judgments.leads_scenario == scenario) if scenario else False
    return (judgments.assign(_lead=~pd.Series(leads, index=judgments.index, dtype=bool))
            .sort_values(["_lead", "rank"]).drop(columns="_lead"))


def evidence_citations(scope: Scope, judgment_id: str) -> str:
    """Citation links for the evidence rows a judgment rests on, in source order; rows citing
    the same paragraph share one link (each row's words are still quoted in the Sources)."""
    links = scope["judgment_evidence"][scope["judgment_evidence"].judgment_id == judgment_id]
    rows = tradecraft.evidence_rows(scope.tables, links).sort_values(["source_id", "paragraph"])
    cited = [cite(r.source_id, r.paragraph, r.evidence) for r in rows.itertuples()]
    return " ".join(dict.fromkeys(cited))


def horizon_words(text: str) -> str:
    """An EDTF horizon as a reader says it: ``2026-12`` is "by 31 December 2026"."""
    span = dates.parse(text)
    end = span.end_or(span.start)
    if "/" not in text:
        return f"by {end.day} {end:%B %Y}"
    start = span.start
    first = f"{start:%B %Y}" if start.day == 1 else f"{start.day} {start:%B %Y}"
    return f"from {first} to {end.day} {end:%B %Y}"


def assumption_anchor(assumption_id: str) -> str:
    return f"assumption-{assumption_id}"


def _judgment_meta(scope: Scope, j: Any) -> str:
    """Horizon, assumptions and dependence of one judgment (a row tuple), as one line."""
    links = scope["judgment_assumptions"]
    ids = sorted(links[links.judgment_id == j.judgment_id].assumption_id)
    parts = [f"Horizon: {esc(horizon_words(j.horizon))} (EDTF <code>{esc(j.horizon)}</code>)"]
    if ids:
        parts.append("Rests on assumptions " + ", ".join(
            f'<a href="#{assumption_anchor(a)}">{esc(a)}</a>' for a in ids))
    else:
        parts.append("Rests on no key assumption beyond the sources' estimated dates")
    current = scope["judgments"].set_index("judgment_id")
    if j.depends_on and j.depends_on in current.index:
        base = current.loc[j.depends_on]
        parts.append(f"Presupposes {esc(j.depends_on)} ({esc(base.likelihood)}), so it is "
                     "never judged more likely than that")
    elif j.depends_on:
        parts.append(f"Presupposes {esc(j.depends_on)}, which no evidence in scope supports, so "
                     "it is never judged more likely than that")
    return '<p class="bb-judgment-meta">' + " · ".join(parts) + "</p>"


def sourcing_line(scope: Scope, judgments: pd.DataFrame) -> str:
    """How many independent origins the judgments rest on, and their grades."""
    links = scope["judgment_evidence"]
    rows = tradecraft.evidence_rows(
        scope.tables, links[links.judgment_id.isin(set(judgments.judgment_id))])
    grades = tradecraft.origin_grades(rows)
    if not grades:
        return ""
    names = _actor_names(scope)
    by_grade: dict[str, list[str]] = {}
    for origin, grade in grades.items():
        by_grade.setdefault(grade, []).append(names.get(origin, origin))
    parts = "; ".join(f"{len(who)} carried at best by a source graded {grade} "
                      f"({esc(', '.join(who))})" for grade, who in sorted(by_grade.items()))
    ceiling = ("" if any(g in "AB" for g in grades.values()) else
               " No origin is carried by a source graded above C, so under the book's rubric "
               "no judgment can be held with high confidence.")
    return (f'<p class="bb-sourcing"><strong>Sourcing:</strong> these judgments rest on '
            f"{len(grades)} independent origins (who first reported each item; relays of the "
            f"same report count once): {parts}. The grade rates the text that carries an origin, "
            "not the origin itself, and is F when the texts do not name the origin or when the "
            "carrier distances itself from a claim it relays ('claimed', 'allegedly', 'could not "
            f"be verified').{ceiling}</p>")


def bottom_line(scope: Scope) -> Html:
    """The key judgments: likelihood (ICD 203) and, separately, confidence, with evidence."""
    judgments = ordered_judgments(scope)
    if judgments.empty:
        if scope.edition is not None and not scope.is_empty:
            return empty_state(f"No judgment in this thread at edition {scope.edition.number}: "
                               "none of the evidence its judgments rest on is in scope (not yet "
                               "reported, or left out by the parameters).")
        return empty_state("No judgment can be made: none of the evidence the judgments rest on "
                           "passes these parameters.")
    terms = scope.book["likelihood_terms"].set_index("term")
    items = []
    for j in judgments.head(MAX_ROWS).itertuples():
        term = terms.loc[j.likelihood]
        items.append(
            f'<li class="bb-judgment" id="judgment-{esc(j.judgment_id)}">'
            f'<p class="bb-judgment-text"><span class="bb-id">{esc(j.judgment_id)}</span> '
            f"<strong>{esc(j.statement)}</strong></p>"
            f'<p class="bb-judgment-terms"><span class="bb-likelihood">'
            f"{esc(j.likelihood)} ({term.min_percent}–{term.max_percent}%)</span> · "
            f'<span class="bb-confidence bb-confidence-{esc(j.confidence)}">'
            f"{esc(j.confidence)} confidence</span></p>"
            f'<p class="bb-judgment-why">{esc(j.rationale)} '
            f"Evidence: {evidence_citations(scope, j.judgment_id)}</p>"
            + _judgment_meta(scope, j) + "</li>"
        )
    note = ('<p class="bb-note">Likelihood uses the ICD 203 scale; confidence rates the evidence '
            "behind the judgment and is independent of likelihood.</p>")
    more = more_rows(len(judgments), MAX_ROWS, "judgments")
    return Html('<ol class="bb-bottom-line">' + "".join(items) + "</ol>" + more
                + sourcing_line(scope, judgments.head(MAX_ROWS)) + note)


POLARITY_WORDS = {"asserts": "", "denies": " <em>(denies)</em>",
                  "qualifies": " <em>(qualifies)</em>"}


def claims_ledger(scope: Scope, claims: pd.DataFrame | None = None) -> Html:
    """Claims with claimant, origin, reporter, status (derived from the voices on each
    proposition) and credibility, each cited."""
    frame = scope.of_thread("claims") if claims is None else claims
    names = _actor_names(scope)

    def origin(r: pd.Series) -> str:
        who = esc(names.get(r.origin, r.origin))
        return who + (' <span class="bb-why">(relayed)</span>' if r.relay else "")

    def status(r: pd.Series) -> str:
        flag = ('<br><span class="bb-why">flagged by its source as unconfirmed or alleged</span>'
                if r.hedged and r.claim_kind == "report" else "")
        if r.polarity == "qualifies":  # the status is the proposition's; this voice takes no side
            return ('<span class="bb-why">qualifies (a weaker or related statement, counted '
                    'neither for nor against) a proposition that is</span> '
                    f"{badge(r.status)}{flag}")
        return badge(r.status) + flag

    return html_table(
        frame,
        [
            ("Claim", "proposition"),
            ("Claimed by", lambda r: esc(names.get(r.claimant, r.claimant))
             + POLARITY_WORDS[r.polarity]),
            ("First reported by (origin)", origin),
            ("Reported to us by", lambda r: esc(names.get(r.reporter, r.reporter))),
            ("Status", status),
            ("Credibility", lambda r: f"{int(r.credibility)} – "
             f"{esc(CREDIBILITY_WORDS[int(r.credibility)])}"
             f'<br><span class="bb-why">{esc(r.credibility_rationale)}</span>'),
        ],
        empty="No claims pass these parameters.", name=f"{scope.thread}-claims",
    )


def proposition_voices(scope: Scope, proposition_id: str) -> Html:
    """One proposition, its derived status and every voice on it (who asserts, denies or
    qualifies it), so the status a reader sees is visibly the sum of the voices."""
    props = scope.book["propositions"].set_index("proposition_id")
    claims = scope["claims"]
    voices = claims[claims.proposition_id == proposition_id]
    if voices.empty:
        return empty_state("No voice on this proposition passes these parameters.")
    names = _actor_names(scope)
    origins = sorted({names.get(o, o) for o in voices[voices.polarity == "asserts"].origin})
    head = (f'<p class="bb-prose"><strong>{esc(props.loc[proposition_id].statement)}</strong> '
            f"{badge(voices.status.iloc[0])} — the status follows from its voices: "
            f"{_count(len(voices), 'voice')}, {_count(len(origins), 'independent origin')} "
            f"asserting it "
            f"({esc(', '.join(origins)) or 'none'}).</p>")
    return Html(head + claims_ledger(scope, voices))


def contradictions(scope: Scope) -> Html:
    """How claims relate, side by side: contradictions first, then qualifications, then support
    between distinct origins."""
    relations = scope["claim_relations"]
    order = {"contradicts": 0, "qualifies": 1, "supports": 2}
    relations = relations.assign(_o=relations.relation.map(order)).sort_values(
        ["_o", "relation_id"], kind="stable")
    claims = scope["claims"].set_index("claim_id")
    if scope.thread != "overview":
        mine = set(scope.of_thread("claims").claim_id)
        relations = relations[relations.claim_id.isin(mine) | relations.other_claim_id.isin(mine)]
    if relations.empty:
        return empty_state("No relations among the claims that pass these parameters.")
    names = _actor_names(scope)

    def side(claim_id: str) -> str:
        c = claims.loc[claim_id]
        who = esc(names.get(c.claimant, c.claimant))
        status = ('<span class="bb-why">qualifies: counted neither for nor against</span>'
                  if c.polarity == "qualifies"
                  else badge(c.status))
        return (f'<p>{esc(c.proposition)}</p><p class="bb-who">{who} · {status} · '
                f"{cite(c.source_id, c.paragraph)}</p>")

    return html_table(
        relations,
        [("One side", lambda r: side(r.claim_id)),
         ("Relation", lambda r: f'<span class="bb-relation">{esc(r.relation)}</span>'),
         ("The other side", lambda r: side(r.other_claim_id)), ("How they relate", "note")],
        cite=False, classes="bb-contradictions", name=f"{scope.thread}-claim-relations",
    )


def indicators(scope: Scope) -> Html:
    """Indicators to watch: status and the direction they point."""
    return html_table(
        scope.of_thread("indicators"),
        [("Indicator", "indicator"), ("Status", lambda r: badge(r.status)),
         ("Points toward", "direction"), ("Why it matters", "note")],
        empty="No indicators pass these parameters.", name=f"{scope.thread}-indicators",
    )


def _cited_paragraphs(scope: Scope) -> dict[str, dict[int, list[str]]]:
    """The (source, paragraph) pairs this brief has cited so far, with the words quoted there.

    A citation made without its words (a notebook's own ``bb.cite``) shows the fragments of the
    rows in scope that cite the same paragraph.
    """
    fallback: dict[tuple[str, int], list[str]] = {}
    for name, frame in scope.tables.items():
        if name == "sources" or "evidence" not in frame.columns:
            continue
        for row in frame[frame.source_id != ""].itertuples():
            quotes = fallback.setdefault((row.source_id, int(row.paragraph)), [])
            if row.evidence not in quotes:
                quotes.append(row.evidence)
    cited: dict[str, dict[int, list[str]]] = {}
    for (source_id, paragraph), quotes in recorded().items():
        cited.setdefault(source_id, {})[paragraph] = quotes or fallback.get(
            (source_id, paragraph), [])
    return cited


def assumptions_shown(scope: Scope) -> pd.DataFrame:
    """The assumptions a brief lists: those its judgments rest on, its thread's and the book's."""
    assumptions = scope["assumptions"]
    links = scope["judgment_assumptions"]
    mine = set(scope.of_thread("judgments").judgment_id)
    resting = set(links[links.judgment_id.isin(mine)].assumption_id)
    return assumptions[assumptions.assumption_id.isin(resting) | (assumptions.thread == "")
                       | (assumptions.thread == scope.thread)]


def key_assumptions(scope: Scope) -> Html:
    """The assumptions this brief's judgments rest on, plus those of its thread and of every
    brief: statement, why we make it, what would show it wrong. Never shown as fact."""
    links = scope["judgment_assumptions"]
    mine = set(scope.of_thread("judgments").judgment_id)
    resting = links[links.judgment_id.isin(mine)]
    on = resting.groupby("assumption_id").judgment_id.apply(lambda s: ", ".join(sorted(s)))
    shown = assumptions_shown(scope)
    link = ("" if scope.thread == "overview" else
            '<p class="bb-note">Alternatives: the <a href="overview.html#'
            f'{ALTERNATIVES_ANCHOR}">overview</a> weighs competing hypotheses on what becomes of '
            "Turkey's S-400s (Analysis of Competing Hypotheses).</p>")
    table = html_table(
        shown,
        [
            ("Assumption", lambda r: f'<span id="{assumption_anchor(r.assumption_id)}" '
             f'class="bb-id">{esc(r.assumption_id)}</span> {esc(r.statement)}'),
            ("Why we make it", "basis"),
            ("What would show it wrong", "would_show_wrong"),
            ("Judgments resting on it", lambda r: esc(on.get(r.assumption_id, "")) or
             ('<span class="bb-muted">none directly; it bears on the sources\' dates</span>'
              if not r.thread else
              '<span class="bb-muted">none directly; it bears on this brief\'s figures</span>')),
            ("Source", lambda r: cite(r.source_id, r.paragraph, r.evidence) if r.source_id
             else '<span class="bb-muted">none: our reasoning</span>'),
        ],
        cite=False, empty="No assumptions pass these parameters.",
        name=f"{scope.thread}-assumptions",
    )
    return Html(table + link)


ACH_LABELS = {"consistent": "C", "inconsistent": "I", "neutral": "–"}


def competing_hypotheses(scope: Scope) -> Html:
    """The ACH matrix for the thread's central question: hypotheses ranked by the weight of
    inconsistent evidence, the matrix with text labels, the discriminating evidence marked,
    every rating's note, and a paragraph of findings citing the evidence."""
    hypotheses = scope["hypotheses"][scope["hypotheses"].thread == scope.thread]
    ach = scope["ach"][scope["ach"].hypothesis_id.isin(set(hypotheses.hypothesis_id))]
    if hypotheses.empty or ach.empty:
        return empty_state("No competing hypotheses can be weighed with these parameters.")
    pairs = ach[["evidence_table", "evidence_id"]].drop_duplicates()
    evidence = tradecraft.evidence_rows(scope.tables, pairs)
    scores = tradecraft.ach_scores(ach, hypotheses, evidence)
    diag = tradecraft.diagnosticity(ach).set_index(["evidence_table", "evidence_id"])
    best = diag[diag.discriminates].sort_values("inconsistent", ascending=False, kind="stable")
    best_keys = list(best.index[:3])
    text = _evidence_text(scope)
    horizon = dict(zip(hypotheses.hypothesis_id, hypotheses.horizon, strict=True))
    ranking = html_table(
        scores,
        [("Rank", "rank"), ("Hypothesis", lambda r: f'<span class="bb-id">{esc(r.hypothesis_id)}'
                            f"</span> {esc(r.statement)}"),
         ("Horizon", lambda r: esc(horizon_words(horizon[r.hypothesis_id]))),
         ("Inconsistent items", "inconsistent"),
         ("from independent origins", "inconsistent_origins"),
         ("Consistent items (not counted)", "consistent"),
         ("their independent origins", "consistent_origins")],
        cite=False, caption="Hypotheses, least contradicted first (tied hypotheses share a rank)",
    )
    order = list(scores.hypothesis_id)
    rating = {(r.hypothesis_id, r.evidence_table, r.evidence_id): (r.rating, r.note)
              for r in ach.itertuples()}
    head = "".join(f'<th scope="col" title="{esc(h.statement)}">{esc(h.hypothesis_id)}<br>'
                   f'<span class="bb-why">{esc(h.label)}</span></th>'
                   for h in scores.itertuples())
    body, plain = [], []
    for e in evidence.itertuples():
        key = (e.evidence_table, e.evidence_id)
        mark = (' <span class="bb-ach-mark">◆ best discriminates</span>' if key in best_keys
                else ' <span class="bb-ach-mark bb-why">◇ discriminates</span>'
                if diag.loc[key].discriminates else "")
        cells = "".join(
            f'<td class="bb-ach bb-ach-{rating[(h, *key)][0]}" '
            f'title="{esc(rating[(h, *key)][1])}">{ACH_LABELS[rating[(h, *key)][0]]}</td>'
            for h in order)
        row_head = (f"{esc(e.evidence_id)} {esc(text.get(key, ''))} "
                    f"{cite(e.source_id, e.paragraph, e.evidence)}{mark}")
        body.append(f'<tr><th scope="row">{row_head}</th>{cells}</tr>')
        plain.append([plain_text(row_head), *(rating[(h, *key)][0] for h in order)])
    matrix = (f'<table class="bb-table bb-ach-matrix"><caption>The matrix: C consistent, '
              f"I inconsistent, – neutral (does not bear on it)</caption><thead><tr>"
              f'<th scope="col">Evidence</th>{head}</tr></thead><tbody>{"".join(body)}'
              f"</tbody></table>")
    matrix += csv_link(["Evidence", *(f"{h.hypothesis_id} {h.label}" for h in scores.itertuples())],
                       plain, "ach-matrix")
    notes = "".join(
        f"<li><strong>{esc(h)} × {esc(i)}</strong>: {esc(r)} — {esc(n)}</li>"
        for (h, t, i), (r, n) in sorted(rating.items()) if r != "neutral")
    details = (f'<details class="bb-ach-notes"><summary>Why each rating (every consistent and '
               f"inconsistent cell)</summary><ul>{notes}</ul></details>")
    cited = ", ".join(f"{esc(k[1])} {cite(*_place(evidence, k))} (against "
                      f"{_and(_against(rating, order, k))})" for k in best_keys)
    findings = (
        f'<p class="bb-prose" id="{ALTERNATIVES_ANCHOR}-findings"><strong>Findings.</strong> '
        f"{_ranking_words(scores)} "
        f"{_what_separates(scores, rating, evidence)}"
        f"Across all the hypotheses, the items that discriminate most are {cited}. "
        f"{_best_reach(scores, rating, best_keys)}"
        "ACH orders hypotheses by the evidence against them; it is not a likelihood. Only "
        "records count against a hypothesis here, so an outcome opposed only by arguments and "
        "forecasts can lead the ranking while the judgments find it unlikely. "
        "The likelihoods are the judgments in the bottom line. "
        f"{_kinds_words(scope, evidence)}</p>")
    return Html(f'<div id="{ALTERNATIVES_ANCHOR}">{findings}{ranking}{matrix}{details}</div>')


def _ranking_words(scores: pd.DataFrame) -> str:
    """Who ranks first and last, saying so when the first place is shared."""
    def one(r: Any) -> str:
        return f"{esc(r.hypothesis_id)} ({esc(r.label)})"

    top = scores[(scores.inconsistent == scores.inconsistent.iloc[0])
                 & (scores.inconsistent_origins == scores.inconsistent_origins.iloc[0])]
    last = scores.iloc[-1]
    tail = (f"The most contradicted is {one(last)}: {_count(last.inconsistent, 'item')} from "
            f"{_count(last.inconsistent_origins, 'origin')}.")
    first = top.iloc[0]
    count = (f"{_count(first.inconsistent, 'inconsistent item')} from "
             f"{_count(first.inconsistent_origins, 'origin')}")
    if len(top) == 1:
        return f"The least contradicted hypothesis is {one(first)}, with {count}. {tail}"
    names = ", ".join(one(r) for r in top.iloc[:-1].itertuples()) + f" and {one(top.iloc[-1])}"
    return f"{names} share the first place, with {count} each. {tail}"


def _leaders(scores: pd.DataFrame) -> list[str]:
    """The hypotheses sharing the first rank, or the first two when one leads alone."""
    tied = list(scores.hypothesis_id[scores["rank"] == 1])
    return tied if len(tied) > 1 else list(scores.hypothesis_id.iloc[:2])


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def _against(rating: dict, order: list[str], key: tuple[str, str]) -> list[str]:
    return [esc(h) for h in order if rating[(h, *key)][0] == "inconsistent"]


def _what_separates(scores: pd.DataFrame, rating: dict, evidence: pd.DataFrame) -> str:
    """The items that count against one of the leading hypotheses and not another: the tied
    leaders when several share the first rank, else the first two."""
    leaders = _leaders(scores)
    keys = [(t, i) for t, i in zip(evidence.evidence_table, evidence.evidence_id, strict=True)
            if len({rating[(h, t, i)][0] == "inconsistent" for h in leaders}) == 2]
    names = _and([esc(h) for h in leaders])
    if not keys:
        scope = "the tied leaders" if len(leaders) > 2 else "the two leaders"
        return (f"Nothing separates {scope} {names}: no item counts against one of them and "
                "not another, so the evidence cannot tell them apart. ")
    items = _and([f"{esc(i)} {cite(*_place(evidence, (t, i)))}" for t, i in keys])
    verb = "tells" if len(keys) == 1 else "tell"
    return (f"Only {items} {verb} {names} apart (inconsistent with one, not with another). ")


def _best_reach(scores: pd.DataFrame, rating: dict, best_keys: list) -> str:
    """Whether the best discriminators bear on the leaders or only on the hypotheses behind."""
    if not best_keys:
        return ""
    order = list(scores.hypothesis_id)
    hit = sorted({h for k in best_keys for h in _against(rating, order, k)},
                 key=order.index)
    if set(hit) & set(_leaders(scores)):
        return ""
    return (f"They count only against {_and(hit)}: they set the leaders apart from those, "
            "not from one another. ")


def _kinds_words(scope: Scope, evidence: pd.DataFrame) -> str:
    """How much of the matrix is reported fact and how much is someone's assessment."""
    claims = scope["claims"]
    kinds = claims[claims.claim_id.isin(set(evidence.evidence_id[
        evidence.evidence_table == "claims"]))].claim_kind
    judged = int(kinds.isin(["assessment", "opinion"]).sum())
    return (f"The {len(evidence)} items come from {evidence.origin.nunique()} distinct "
            f"origins, and {judged} of them are assessments or opinions rather than reports: "
            "the ranking is only as firm as those sources.")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _place(evidence: pd.DataFrame, key: tuple[str, str]) -> tuple[str, int, str]:
    row = evidence[(evidence.evidence_table == key[0]) & (evidence.evidence_id == key[1])].iloc[0]
    return row.source_id, int(row.paragraph), row.evidence


def _evidence_text(scope: Scope) -> dict[tuple[str, str], str]:
    """A short text for any evidence row: a claim's proposition, an event's label …"""
    columns = {"claims": "proposition", "events": "label", "deliveries": "tranche",
               "factors": "statement"}
    return {(t, i): text for t, c in columns.items()
            for i, text in zip(scope[t][tradecraft.EVIDENCE_KEYS[t]], scope[t][c], strict=True)}


def sources(scope: Scope) -> Html:
    """The source list every citation links to: identity, date, grade, cited paragraphs."""
    cited = _cited_paragraphs(scope)
    parts = []
    for s in scope.sources.itertuples():
        outlet = esc(s.outlet) or "not named in the text"
        author = esc(s.author) or "not named in the text"
        paras = "".join(
            f'<li id="{anchor(s.source_id, p)}"><span class="bb-para">¶{p}</span> '
            + "; ".join(f"“{esc(f)}”" for f in fragments) + "</li>"
            for p, fragments in sorted(cited.get(s.source_id, {}).items())
        )
        parts.append(
            f'<div class="bb-source" id="{anchor(s.source_id)}"><h3>{esc(s.source_id)} — '
            f"{esc(s.title)}</h3><dl>"
            f"<dt>Outlet</dt><dd>{outlet}</dd><dt>Author</dt><dd>{author}</dd>"
            f"<dt>Identified by</dt><dd>{esc(s.identity_basis)}</dd>"
            f"<dt>Published</dt><dd><code>{esc(s.published)}</code> (EDTF; estimated). "
            f"{esc(s.published_basis)}</dd>"
            f"<dt>Reliability</dt><dd><strong>{esc(s.reliability)}</strong> – "
            f"{esc(RELIABILITY_WORDS[s.reliability])}. {esc(s.reliability_rationale)}</dd>"
            f"<dt>Kind and file</dt><dd>{esc(s.kind)}; <code>{esc(s.file)}</code>, sha256 "
            f"<code>{esc(s.sha256[:12])}…</code></dd></dl>"
            f'<p class="bb-note">Paragraphs cited, with the words quoted from each:</p>'
            f'<ul class="bb-paragraphs">{paras}</ul></div>'
        )
    if not parts:
        parts.append(empty_state("No source passes these parameters.").__str__())
    if not scope.excluded_sources.empty:
        left = "; ".join(f"{esc(r.source_id)} ({esc(r.reason)})"
                         for r in scope.excluded_sources.itertuples())
        parts.append(f'<p class="bb-note">Left out by the parameters: {left}.</p>')
    return Html("".join(parts))
