"""What changed since the previous edition: the brief's scope compared with the same brief as
of the edition before it, item by item, each item cited.

Everything is derived from the two scopes, so a past edition's list never changes when later
rows are added: sources added; new claims, events, factors and indicators of the thread; claims
whose derived status moved (reported → disputed) or whose row was revised (a credibility raised
by a second origin); events and deliveries whose status moved (planned → occurred); indicators
newly observed; new judgments, and judgments whose likelihood or confidence moved, with old →
new and the reason recorded in the new version.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from briefbook import sections, tradecraft
from briefbook.citations import cite
from briefbook.scope import Scope
from briefbook.tables import MAX_ROWS, Html, badge, esc, more_rows

# Thread tables whose new rows are listed, with their key and the column a reader recognises.
NEW_ROWS = {"claims": ("claim_id", "proposition"), "events": ("event_id", "label"),
            "factors": ("factor_id", "statement"), "indicators": ("indicator_id", "indicator"),
            "deliveries": ("delivery_id", "tranche")}
# Tables only one thread's brief shows.
THREAD_ROWS = {"steel_dome": {"dispositions": ("option_id", "label"),
                              "integration": ("pair_id", "statement")}}
COLLAPSE_AFTER = 8
STATUS_COLUMNS = {"claims": "status", "events": "shown_status", "deliveries": "shown_status",
                  "indicators": "status"}


@dataclass(frozen=True)
class Change:
    """One line of "what changed": its kind, the text and the citations."""

    kind: str
    text: str


def _rows(scope: Scope, table: str) -> pd.DataFrame:
    frame = scope[table]
    if table in ("claims", "factors", "indicators", "events") and "thread" in frame.columns:
        return scope.of_thread(table)
    return frame


def changes(scope: Scope, before: Scope) -> list[Change]:
    """Every change between ``before`` and ``scope`` for the brief's thread, in reading order."""
    out: list[Change] = []
    added = scope.sources[~scope.sources.source_id.isin(set(before.sources.source_id))]
    for s in added.itertuples():
        who = ", ".join(x for x in (s.outlet, s.author) if x) or "outlet and author not named"
        out.append(Change("Sources added", f"<strong>{esc(s.source_id)}</strong> — "
                          f"{esc(s.title)} ({esc(who)}; reliability {esc(s.reliability)}) "
                          f'<a href="#src-{esc(s.source_id)}">[{esc(s.source_id)}]</a>'))
    for table, (key, text) in {**NEW_ROWS, **THREAD_ROWS.get(scope.thread, {})}.items():
        now, then = _rows(scope, table), _rows(before, table)
        for r in now[~now[key].isin(set(then[key]))].itertuples():
            out.append(Change(f"New {table}", f"{esc(getattr(r, key))} {esc(getattr(r, text))} "
                              f"{cite(r.source_id, r.paragraph, r.evidence)}"))
        if table in STATUS_COLUMNS and table in NEW_ROWS:
            out += _status_moves(table, key, now, then)
    out += _revisions(scope, before)
    out += _judgment_moves(scope, before)
    out += _new_frame(scope, before)
    return out


def _new_frame(scope: Scope, before: Scope) -> list[Change]:
    """Assumptions and hypotheses this brief shows that the previous edition did not."""
    out = []
    shown = sections.assumptions_shown(scope)
    known = set(sections.assumptions_shown(before).assumption_id)
    for a in shown[~shown.assumption_id.isin(known)].itertuples():
        where = cite(a.source_id, a.paragraph, a.evidence) if a.source_id else ""
        out.append(Change("New assumptions", f"{esc(a.assumption_id)} {esc(a.statement)} {where}"))
    if scope.thread == "overview":
        hyps = scope["hypotheses"]
        fresh = hyps[~hyps.hypothesis_id.isin(set(before["hypotheses"].hypothesis_id))]
        for h in fresh.itertuples():
            out.append(Change("New hypotheses", f"{esc(h.hypothesis_id)} {esc(h.statement)}"))
        lead_now, lead_then = _leaders(scope), _leaders(before)
        if lead_now != lead_then:
            out.append(Change("Competing hypotheses", "Least contradicted now: "
                              f"{esc(', '.join(lead_now) or 'none')} (was "
                              f"{esc(', '.join(lead_then) or 'none')}). The ranking counts the "
                              "evidence against each hypothesis, not its likelihood; see the "
                              "matrix below and the judgments above."))
    return out


def _leaders(scope: Scope) -> list[str]:
    """The hypotheses sharing the first place of the ACH ranking."""
    hypotheses = scope["hypotheses"][scope["hypotheses"].thread == scope.thread]
    ach = scope["ach"][scope["ach"].hypothesis_id.isin(set(hypotheses.hypothesis_id))]
    if hypotheses.empty or ach.empty:
        return []
    pairs = ach[["evidence_table", "evidence_id"]].drop_duplicates()
    scores = tradecraft.ach_scores(ach, hypotheses, tradecraft.evidence_rows(scope.tables, pairs))
    top = scores[(scores.inconsistent == scores.inconsistent.iloc[0])
                 & (scores.inconsistent_origins == scores.inconsistent_origins.iloc[0])]
    return list(top.hypothesis_id)


def _status_moves(table: str, key: str, now: pd.DataFrame, then: pd.DataFrame) -> list[Change]:
    column = STATUS_COLUMNS[table]
    old = dict(zip(then[key], then[column], strict=True))
    moves = []
    for r in now[now[key].isin(set(old))].itertuples():
        was, is_ = old[getattr(r, key)], getattr(r, column)
        if was == is_:
            continue
        kind = ("Indicators newly observed" if table == "indicators" and is_ != "not observed"
                else "Status changes")
        why = cite(r.source_id, r.paragraph, r.evidence)
        if table == "claims" and r.proposition_id:
            # A claim's status follows from the voices on its proposition: cite the new ones.
            voices = now[(now.proposition_id == r.proposition_id) & ~now[key].isin(set(old))]
            if not voices.empty:
                why = "new voices on its proposition: " + " ".join(
                    f"{esc(v.claim_id)} {cite(v.source_id, v.paragraph, v.evidence)}"
                    for v in voices.itertuples())
        moves.append(Change(kind, f"{esc(getattr(r, key))}: {badge(was)} → {badge(is_)} "
                            f"({why})"))
    return moves


def _revisions(scope: Scope, before: Scope) -> list[Change]:
    """Rows revised since ``before``: the column, old → new for grades, and why."""
    revs = scope["revisions"]
    new = revs[~revs.revision_id.isin(set(before["revisions"].revision_id))]
    mine = {t: set(_rows(scope, t)[k]) for t, (k, _) in NEW_ROWS.items()}
    mine["sources"] = set(scope.sources.source_id)
    mine["assumptions"] = set(scope["assumptions"].assumption_id)
    mine["dispositions"] = set(scope["dispositions"].option_id)
    mine["hypotheses"] = (set(scope["hypotheses"].hypothesis_id) if scope.thread == "overview"
                          else set())
    out = []
    for r in new.itertuples():
        if r.row_id not in mine.get(r.table, set()):
            continue
        where = cite(r.source_id, r.paragraph, r.evidence) if r.source_id else ""
        value = (f" now {esc(r.value)}" if r.column in ("credibility", "origin", "status")
                 else " reworded" if r.column.endswith(("rationale", "basis", "note"))
                 else f" now “{esc(r.value)}”")
        out.append(Change("Revised rows", f"{esc(r.row_id)} {esc(r.column.replace('_', ' '))}"
                          f"{value}: {esc(r.note)} {where}"))
    return out


def _judgment_moves(scope: Scope, before: Scope) -> list[Change]:
    now = scope.of_thread("judgments")
    then = before.of_thread("judgments").set_index("judgment_id")
    evidence = _new_evidence(scope, before, set(now.judgment_id))
    out = []
    for j in now.itertuples():
        fresh = evidence.get(j.judgment_id, "")
        if j.judgment_id not in then.index:
            out.append(Change("New judgments", f"{esc(j.judgment_id)} {esc(j.statement)} — "
                              f"{esc(j.likelihood)}, {esc(j.confidence)} confidence {fresh}"))
            continue
        old = then.loc[j.judgment_id]
        if int(old.edition) == int(j.edition):
            continue
        moved = (old.likelihood, old.confidence) != (j.likelihood, j.confidence)
        restated = (old.statement, old.horizon) != (j.statement, j.horizon)
        kind = ("Judgments moved" if moved else
                "Judgments restated, likelihood and confidence unchanged" if restated else
                "Judgments reassessed, unchanged")
        out.append(Change(kind, f"{esc(j.judgment_id)}: {esc(old.likelihood)}, "
                          f"{esc(old.confidence)} confidence → {esc(j.likelihood)}, "
                          f"{esc(j.confidence)} confidence. {esc(j.change_note)} {fresh}"))
    return out


def _new_evidence(scope: Scope, before: Scope, judgment_ids: set[str]) -> dict[str, str]:
    """Per judgment, citations of the evidence it rests on now and did not rest on before
    (looked up in one pass: a large book has thousands of links)."""
    columns = ["judgment_id", "evidence_table", "evidence_id"]
    now = scope["judgment_evidence"]
    now = now[now.judgment_id.isin(judgment_ids)][columns]
    old = before["judgment_evidence"][columns]
    merged = now.merge(old, how="left", indicator=True)
    fresh = merged[merged["_merge"] == "left_only"].drop(columns="_merge")
    if fresh.empty:
        return {}
    rows = tradecraft.evidence_rows(scope.tables, fresh[["evidence_table", "evidence_id"]]
                                    .drop_duplicates())
    place = {(r.evidence_table, r.evidence_id): (r.source_id, r.paragraph, r.evidence)
             for r in rows.itertuples()}
    out: dict[str, list[tuple[str, int, str]]] = {}
    for f in fresh.itertuples():
        if (f.evidence_table, f.evidence_id) in place:
            out.setdefault(f.judgment_id, []).append(place[(f.evidence_table, f.evidence_id)])
    return {jid: "New evidence: " + " ".join(dict.fromkeys(cite(*c) for c in sorted(cites)))
            for jid, cites in out.items()}


def what_changed(scope: Scope) -> Html:
    """The section's HTML: grouped lists of changes since the previous edition."""
    if scope.edition is None:
        return Html('<p class="bb-note">No edition is dated on or before this as-of date, so '
                    "there is nothing to compare.</p>")
    baseline = scope.baseline
    if baseline is None:
        return Html(f'<p class="bb-prose">This is the first edition (edition '
                    f"{scope.edition.number}, as of {esc(scope.edition.as_of.isoformat())}): "
                    "everything in it is new.</p>")
    found = changes(scope, scope.at(baseline.as_of))
    head = (f'<p class="bb-prose">Since edition {baseline.number} (as of '
            f"{esc(baseline.as_of.isoformat())}). This edition: {esc(scope.edition.summary)}</p>")
    if not found:
        return Html(head + '<p class="bb-note">Nothing in this thread changed.</p>')
    groups: dict[str, list[str]] = {}
    for c in found:
        groups.setdefault(c.kind, []).append(c.text)
    parts = []
    for kind, items in groups.items():
        listed = ('<ul class="bb-changes">' + "".join(f"<li>{i}</li>" for i in items[:MAX_ROWS])
                  + "</ul>" + more_rows(len(items), MAX_ROWS, "items"))
        if len(items) > COLLAPSE_AFTER:  # long lists fold away; the count stays in view
            listed = f"<details><summary>Show all {len(items)}</summary>{listed}</details>"
        parts.append(f"<h3>{esc(kind)} ({len(items)})</h3>{listed}")
    body = "".join(parts)
    return Html(head + body)
