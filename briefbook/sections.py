"""The sections every brief shares: header, bottom line, ledger, contradictions, indicators,
sources. Each takes a :class:`~briefbook.scope.Scope` and returns escaped, cited HTML.
"""

from __future__ import annotations

import pandas as pd

from briefbook.citations import anchor, cite
from briefbook.scope import Scope
from briefbook.tables import MAX_ROWS, Html, badge, empty_state, esc, html_table, more_rows

RELIABILITY_WORDS = {
    "A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
    "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged",
}
CREDIBILITY_WORDS = {
    1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
    4: "doubtfully true", 5: "improbable", 6: "truth cannot be judged",
}
EVIDENCE_KEYS = {"claims": "claim_id", "events": "event_id", "deliveries": "delivery_id",
                 "factors": "factor_id"}


def _actor_names(scope: Scope) -> dict[str, str]:
    """Actor id -> name; build it once per section, not once per row (actors can be many)."""
    return dict(zip(scope.book["actors"].actor_id, scope.book["actors"].name, strict=True))


def header(scope: Scope) -> Html:
    """Title block: thread, as-of date, parameters, data fingerprint and sources used."""
    thread = scope.book["threads"].set_index("thread_id").loc[scope.thread]
    params = scope.params.as_dict(scope.as_of)
    as_of_note = "" if scope.params.as_of else " (the newest source's date: the default)"
    rows = [
        ("Thread", esc(thread.title)),
        ("Question", esc(thread.question)),
        ("As of", esc(scope.as_of.isoformat()) + esc(as_of_note)),
        ("Parameters", ", ".join(f"<code>{esc(k)}={esc(_plain(v))}</code>"
                                 for k, v in params.items())),
        ("Data fingerprint", f"<code>{esc(scope.book.fingerprint)}</code> (SHA-256 of data/)"),
        ("Sources used", f"{len(scope.sources)} of {len(scope.book['sources'])}"),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    out = f'<table class="bb-header">{body}</table>'
    if scope.is_empty:
        out += (f'<p class="bb-alert">No source passes these parameters (none published on or '
                f"before {esc(scope.as_of.isoformat())} with reliability "
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
    """Citation links for the evidence rows a judgment rests on, in source order."""
    evidence = scope["judgment_evidence"]
    evidence = evidence[evidence.judgment_id == judgment_id]
    places = set()
    for table, row_id in zip(evidence.evidence_table, evidence.evidence_id, strict=True):
        frame = scope[table]
        row = frame[frame[EVIDENCE_KEYS[table]] == row_id].iloc[0]
        places.add((row.source_id, int(row.paragraph)))
    return " ".join(cite(s, p) for s, p in sorted(places))


def bottom_line(scope: Scope) -> Html:
    """The key judgments: likelihood (ICD 203) and, separately, confidence, with evidence."""
    judgments = ordered_judgments(scope)
    if judgments.empty:
        return empty_state("No judgment can be made: none of the evidence the judgments rest on "
                           "passes these parameters.")
    terms = scope.book["likelihood_terms"].set_index("term")
    items = []
    for j in judgments.head(MAX_ROWS).itertuples():
        term = terms.loc[j.likelihood]
        items.append(
            f'<li class="bb-judgment"><p class="bb-judgment-text"><strong>{esc(j.statement)}'
            f'</strong></p><p class="bb-judgment-terms"><span class="bb-likelihood">'
            f"{esc(j.likelihood)} ({term.min_percent}–{term.max_percent}%)</span> · "
            f'<span class="bb-confidence bb-confidence-{esc(j.confidence)}">'
            f"{esc(j.confidence)} confidence</span></p>"
            f'<p class="bb-judgment-why">{esc(j.rationale)} '
            f"Evidence: {evidence_citations(scope, j.judgment_id)}</p></li>"
        )
    note = ('<p class="bb-note">Likelihood uses the ICD 203 scale; confidence rates the evidence '
            "behind the judgment and is independent of likelihood.</p>")
    more = more_rows(len(judgments), MAX_ROWS, "judgments")
    return Html('<ol class="bb-bottom-line">' + "".join(items) + "</ol>" + more + note)


def claims_ledger(scope: Scope, claims: pd.DataFrame | None = None) -> Html:
    """Claims with claimant, reporter, status and credibility, each cited."""
    frame = scope.of_thread("claims") if claims is None else claims
    names = _actor_names(scope)
    return html_table(
        frame,
        [
            ("Claim", "proposition"),
            ("Claimed by", lambda r: esc(names.get(r.claimant, r.claimant))
             + (" <em>(denies)</em>" if r.polarity == "denies" else "")),
            ("Reported by", lambda r: esc(names.get(r.reporter, r.reporter))),
            ("Status", lambda r: badge(r.status)),
            ("Credibility", lambda r: f"{int(r.credibility)} – "
             f"{esc(CREDIBILITY_WORDS[int(r.credibility)])}"
             f'<br><span class="bb-why">{esc(r.credibility_rationale)}</span>'),
        ],
        empty="No claims pass these parameters.",
    )


def contradictions(scope: Scope) -> Html:
    """Claims that contradict or qualify each other, side by side."""
    relations = scope["claim_relations"]
    relations = relations[relations.relation.isin(["contradicts", "qualifies"])]
    claims = scope["claims"].set_index("claim_id")
    if scope.thread != "overview":
        mine = set(scope.of_thread("claims").claim_id)
        relations = relations[relations.claim_id.isin(mine) | relations.other_claim_id.isin(mine)]
    if relations.empty:
        return empty_state("No contradictions among the claims that pass these parameters.")
    names = _actor_names(scope)

    def side(claim_id: str) -> str:
        c = claims.loc[claim_id]
        who = esc(names.get(c.claimant, c.claimant))
        return (f'<p>{esc(c.proposition)}</p><p class="bb-who">{who} · {badge(c.status)} · '
                f"{cite(c.source_id, c.paragraph)}</p>")

    rows = "".join(
        f'<tr><td>{side(r.claim_id)}</td><td class="bb-relation">{esc(r.relation)}</td>'
        f"<td>{side(r.other_claim_id)}</td><td>{esc(r.note)}</td></tr>"
        for r in relations.head(MAX_ROWS).itertuples()
    )
    head = ("<tr><th>One side</th><th>Relation</th><th>The other side</th>"
            "<th>How they relate</th></tr>")
    return Html(f'<table class="bb-table bb-contradictions"><thead>{head}</thead>'
                f"<tbody>{rows}</tbody></table>" + more_rows(len(relations)))


def indicators(scope: Scope) -> Html:
    """Indicators to watch: status and the direction they point."""
    return html_table(
        scope.of_thread("indicators"),
        [("Indicator", "indicator"), ("Status", lambda r: badge(r.status)),
         ("Points toward", "direction"), ("Why it matters", "note")],
        empty="No indicators pass these parameters.",
    )


def _cited_paragraphs(scope: Scope) -> dict[str, dict[int, list[str]]]:
    """Every (source, paragraph) the brief's rows may cite, with the fragments quoted there."""
    cited: dict[str, dict[int, list[str]]] = {}
    for name, frame in scope.tables.items():
        if name == "sources" or "evidence" not in frame.columns:
            continue
        for row in frame.itertuples():
            fragments = cited.setdefault(row.source_id, {}).setdefault(int(row.paragraph), [])
            if row.evidence not in fragments:
                fragments.append(row.evidence)
    return cited


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
