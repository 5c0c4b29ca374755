"""The analytic model, derived rather than typed: proposition status from its voices,
independent origins behind a set of evidence rows, and the ranking of competing hypotheses.

Everything here works on the rows a brief's scope keeps, so a parameter that drops a source
also drops its voices, its origins and its ACH ratings.
"""

from __future__ import annotations

import pandas as pd

from briefbook.params import RELIABILITY_GRADES
from briefbook.validate import CONFIRMING_GRADE, EVIDENCE_KEYS, origin_grade, vouched

PROPOSITION_STATUSES = ("confirmed", "reported", "disputed", "denied")


def proposition_key(claims: pd.DataFrame) -> pd.Series:
    """The proposition each claim speaks to: its ``proposition_id``, or itself when it has none."""
    return claims.proposition_id.where(claims.proposition_id != "", claims.claim_id)


def claim_grades(claims: pd.DataFrame, sources: pd.DataFrame,
                 actors: pd.DataFrame) -> pd.Series:
    """Each claim's origin grade (data/README.md): its source's reliability, or F for an origin
    the texts do not name or a relay its carrier hedges."""
    grades = dict(zip(sources.source_id, sources.reliability, strict=True))
    unnamed = set(actors.actor_id[actors.named == False])  # noqa: E712 (a nullable boolean)
    return pd.Series([origin_grade(grades.get(c.source_id, "F"), c.origin not in unnamed,
                                   vouched(c.relay, c.hedged)) for c in claims.itertuples()],
                     index=claims.index, dtype="string")


def origin_counts(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per ``by`` value, the independent origins of ``rows`` (factors): ``full`` counts every
    distinct origin, ``cautious`` counts a row that may rest on another (``leans_on``) with it,
    as one line of reasoning. Sorted by the cautious count, then the full one, most first."""
    origin = dict(zip(rows.factor_id, rows.origin, strict=True))
    lean = rows.leans_on.fillna("") if "leans_on" in rows else pd.Series("", index=rows.index)
    effective = [origin.get(other, own) if other else own
                 for own, other in zip(rows.origin, lean, strict=True)]
    counts = pd.DataFrame({
        "full": rows.groupby(by).origin.nunique(),
        "cautious": pd.Series(effective, index=rows.index).groupby(rows[by]).nunique(),
    })
    counts = counts.sort_values(["cautious", "full"], ascending=False, kind="stable")
    return counts.astype(int)


def claim_status(claims: pd.DataFrame, grades: pd.Series | None = None) -> pd.Series:
    """Each claim's status, derived from every voice on its proposition.

    disputed: some voice asserts and another denies; denied: voices only deny; confirmed: at
    least two distinct origins assert, none denies and (when ``grades``, from
    :func:`claim_grades`, are given) one asserting origin is graded C or better, as for
    credibility 1; reported: anything else (one origin, or a voice that only qualifies). Never
    typed in the data, so it cannot disagree with the voices.
    """
    if claims.empty:
        return pd.Series([], index=claims.index, dtype="string")
    key = proposition_key(claims)
    asserting = claims.polarity == "asserts"
    asserts = asserting.groupby(key).any()
    denies = (claims.polarity == "denies").groupby(key).any()
    origins = claims.origin.where(asserting).groupby(key).nunique()
    status = pd.Series("reported", index=asserts.index, dtype="string")
    enough = origins.reindex(status.index).fillna(0) >= 2
    if grades is not None:
        good = (asserting & (grades <= CONFIRMING_GRADE)).groupby(key).any()
        enough &= good.reindex(status.index).fillna(False).astype(bool)
    status[enough] = "confirmed"  # vectorised: the book
    status[denies & ~asserts] = "denied"  # can hold thousands of propositions
    status[asserts & denies] = "disputed"
    return key.map(status).astype("string")


def is_unverified(claims: pd.DataFrame) -> pd.Series:
    """Claims a reader asked to leave out with ``include_unverified=False``: disputed or denied
    propositions, and reports their own source flags as unconfirmed or alleged."""
    return claims.status.isin(["disputed", "denied"]) | (
        (claims.claim_kind == "report") & claims.hedged.astype(bool)
    )


def evidence_rows(tables: dict[str, pd.DataFrame], links: pd.DataFrame) -> pd.DataFrame:
    """The rows ``links`` (evidence_table, evidence_id) point at, with origin, source and the
    origin's grade from that source (F for an origin the texts do not name).

    Links to rows outside the scope are skipped.
    """
    grades = dict(zip(tables["sources"].source_id, tables["sources"].reliability, strict=True))
    actors = tables["actors"]
    unnamed = set(actors.actor_id[actors.named == False])  # noqa: E712 (a nullable boolean)
    out = []
    for table, row_id in zip(links.evidence_table, links.evidence_id, strict=True):
        frame = tables[table]
        hit = frame[frame[EVIDENCE_KEYS[table]] == row_id]
        if hit.empty:
            continue
        row = hit.iloc[0]
        out.append({"evidence_table": table, "evidence_id": row_id, "origin": row.origin,
                    "source_id": row.source_id, "paragraph": int(row.paragraph),
                    "evidence": row.evidence,
                    "grade": origin_grade(grades.get(row.source_id, "F"),
                                          row.origin not in unnamed,
                                          vouched(row.get("relay", ""), row.get("hedged", "")))})
    return pd.DataFrame(out, columns=["evidence_table", "evidence_id", "origin", "source_id",
                                      "paragraph", "evidence", "grade"])


def origin_grades(rows: pd.DataFrame) -> dict[str, str]:
    """Distinct origins among evidence rows, each with the best grade of a source carrying it."""
    best: dict[str, str] = {}
    for origin, grade in zip(rows.origin, rows.grade, strict=True):
        if origin not in best or RELIABILITY_GRADES.index(grade) < RELIABILITY_GRADES.index(
            best[origin]
        ):
            best[origin] = grade
    return dict(sorted(best.items()))


def ach_scores(ach: pd.DataFrame, hypotheses: pd.DataFrame,
               evidence: pd.DataFrame) -> pd.DataFrame:
    """Hypotheses ranked by the evidence against them (Heuer: seek to disconfirm).

    ``evidence`` is :func:`evidence_rows` of the matrix's rows. Fewer inconsistent items rank
    higher; ties go to the hypothesis whose inconsistent items come from fewer distinct origins.
    Items, not origins, lead: one origin can report several separate facts (a refusal, a
    certificate), while a relay of one report is rated once in the matrix, never per relay.
    Returns one row per hypothesis with ``inconsistent``, ``inconsistent_origins``,
    ``consistent``, ``consistent_origins`` and ``rank``. The consistent side does not rank (a
    hypothesis is not made likelier by the evidence that fits it) but is shown with its origins,
    so several rows of one line of argument do not read as broad support.
    """
    origin = dict(zip(zip(evidence.evidence_table, evidence.evidence_id, strict=True),
                      evidence.origin, strict=True))
    rows = []
    for h in hypotheses.itertuples():
        mine = ach[ach.hypothesis_id == h.hypothesis_id]
        bad = mine[mine.rating == "inconsistent"]
        good = mine[mine.rating == "consistent"]
        rows.append({
            "hypothesis_id": h.hypothesis_id, "label": h.label, "statement": h.statement,
            "inconsistent": len(bad), "inconsistent_origins": _origins(bad, origin),
            "consistent": len(good), "consistent_origins": _origins(good, origin),
        })
    frame = pd.DataFrame(rows, columns=["hypothesis_id", "label", "statement", "inconsistent",
                                        "inconsistent_origins", "consistent",
                                        "consistent_origins"])
    frame = frame.sort_values(["inconsistent", "inconsistent_origins", "hypothesis_id"])
    # Tied hypotheses share their rank (1, 1, 3 …): the evidence does not order them.
    tie = list(zip(frame.inconsistent, frame.inconsistent_origins, strict=True))
    frame["rank"] = [tie.index(t) + 1 for t in tie]
    return frame.reset_index(drop=True)


def _origins(ratings: pd.DataFrame, origin: dict[tuple[str, str], str]) -> int:
    """How many distinct origins the rated evidence rows come from."""
    return len({origin.get((t, i)) for t, i in
                zip(ratings.evidence_table, ratings.evidence_id, strict=True)})


def diagnosticity(ach: pd.DataFrame) -> pd.DataFrame:
    """Per evidence row: how many hypotheses it is consistent and inconsistent with.

    A row that is consistent with every hypothesis it bears on cannot tell them apart; a row
    discriminates when it is inconsistent with at least one hypothesis but not with all (Heuer's
    diagnosticity: a refusal that counts against one outcome and is neutral for the rest still
    tells that outcome from the others), and the more it rules against, the more it
    discriminates.
    """
    counts = (ach.assign(c=ach.rating == "consistent", i=ach.rating == "inconsistent")
              .groupby(["evidence_table", "evidence_id"], sort=False)[["c", "i"]].sum()
              .rename(columns={"c": "consistent", "i": "inconsistent"}).reset_index())
    rated = ach.groupby(["evidence_table", "evidence_id"], sort=False).size().to_numpy()
    counts["discriminates"] = (counts.inconsistent > 0) & (counts.inconsistent < rated)
    return counts
