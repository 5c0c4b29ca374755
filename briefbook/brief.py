"""The object a notebook works with: one thread's data, filtered by the brief's parameters.

A notebook's first code cell after ``parameters`` is::

    brief = bb.open_brief("caatsa_f35", as_of=as_of, min_reliability=min_reliability,
                          include_unverified=include_unverified)

which checks the parameters (stopping the notebook with one sentence on a bad value), loads and
validates the data and applies the filters. The shared sections are then one call each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from briefbook import changes, charts, sections
from briefbook.chartdata import Chart, timeline_columns, with_data
from briefbook.citations import reset_record
from briefbook.load import load_book
from briefbook.notebook_style import notebook_style
from briefbook.params import check_params
from briefbook.scope import Scope, make_scope
from briefbook.tables import Html, empty_state, esc

MAX_TIMELINE_EVENTS = 60


@dataclass(frozen=True)
class Brief:
    """One thread's brief: its scope plus the shared sections, ready to display."""

    scope: Scope

    @property
    def thread(self) -> str:
        return self.scope.thread

    def __getitem__(self, table: str) -> pd.DataFrame:
        """A table filtered by the parameters (all threads' rows)."""
        return self.scope[table]

    def of_thread(self, table: str) -> pd.DataFrame:
        """A filtered table's rows for this thread."""
        return self.scope.of_thread(table)

    def header(self) -> Html:
        """The brief's header; in JupyterLab its output also styles the notebook like the brief."""
        return Html(notebook_style() + sections.header(self.scope))

    def bottom_line(self) -> Html:
        """Key judgments; under a scenario parameter, the judgment on that scenario first."""
        return sections.bottom_line(self.scope)

    def what_changed(self) -> Html:
        """What changed since the previous edition, every item cited."""
        return changes.what_changed(self.scope)

    def timeline(
        self, title: str | None = None, with_threads: tuple[str, ...] = ()
    ) -> Chart | Html:
        """The thread's events on a timeline (every thread's, for the overview), plus those of
        ``with_threads`` where a thread's story starts in another's, with the data behind it."""
        events = self.scope.of_thread("events")
        if with_threads:
            more = self.scope["events"][self.scope["events"].thread.isin(with_threads)]
            events = pd.concat([events, more]).drop_duplicates("event_id")
        if events.empty:
            return empty_state("No dated events pass these parameters.")
        title = title or "Timeline of events"
        total = len(events)
        if total > MAX_TIMELINE_EVENTS:  # a readable chart, however large the data grows
            events = events.sort_values(["start", "event_id"]).tail(MAX_TIMELINE_EVENTS)
            title += f" (latest {MAX_TIMELINE_EVENTS} of {total} events)"
        figure = charts.timeline(events, self.scope.as_of, title)
        return with_data(figure, events.sort_values(["start", "end", "event_id"]),
                         timeline_columns(), name=f"{self.thread}-timeline")

    def claims_ledger(self, claims: pd.DataFrame | None = None) -> Html:
        return sections.claims_ledger(self.scope, claims)

    def contradictions(self) -> Html:
        return sections.contradictions(self.scope)

    def indicators(self) -> Html:
        return sections.indicators(self.scope)

    def key_assumptions(self) -> Html:
        """What the thread's judgments take as given, apart from what they judge."""
        return sections.key_assumptions(self.scope)

    def competing_hypotheses(self) -> Html:
        """The thread's Analysis of Competing Hypotheses (the overview's central question)."""
        return sections.competing_hypotheses(self.scope)

    def proposition(self, proposition_id: str) -> Html:
        """One proposition with its derived status and every voice on it."""
        return sections.proposition_voices(self.scope, proposition_id)

    def sources(self) -> Html:
        return sections.sources(self.scope)

    def top_judgment(self, thread: str | None = None) -> str:
        """The first judgment of a thread, as one plain sentence (for the index and overview)."""
        judgments = sections.ordered_judgments(self.scope, thread)
        if judgments.empty:
            return ("No judgment in this thread at this edition." if self.scope.edition
                    and not self.scope.is_empty else
                    "No judgment: no evidence passes these parameters.")
        j = judgments.iloc[0]
        return f"{j.statement} ({j.likelihood}, {j.confidence} confidence)"

    def thread_lines(self) -> Html:
        """One line per other thread, linking to its brief (used by the overview)."""
        threads = self.scope.book["threads"]
        items = "".join(
            f'<li><a href="{esc(t.thread_id)}.html"><strong>{esc(t.title)}</strong></a>: '
            f"{esc(self.top_judgment(t.thread_id))}</li>"
            for t in threads.itertuples()
            if t.thread_id != self.thread
        )
        return Html(f'<ul class="bb-threads">{items}</ul>')

    def summary(self) -> dict[str, object]:
        """What the index shows for this brief: derived from its own scope only."""
        title = self.scope.book["threads"].set_index("thread_id").loc[self.thread].title
        edition = self.scope.edition
        return {
            "title": str(title),
            "bottom_line": self.top_judgment(),
            "as_of": self.scope.as_of.isoformat(),
            "fingerprint": self.scope.fingerprint,
            "edition": edition.number if edition else 0,
            "editions": [{"edition": e.number, "as_of": e.as_of.isoformat(),
                          "summary": e.summary} for e in self.scope.editions],
            "trajectories": self.trajectories(),
        }

    def trajectories(self) -> list[dict[str, object]]:
        """Per judgment of the thread, its likelihood range at each edition up to this one."""
        terms = self.scope.book["likelihood_terms"].set_index("term")
        out: dict[str, dict[str, object]] = {}
        for e in self.scope.editions:
            at = self.scope if e.as_of == self.scope.as_of else self.scope.at(e.as_of)
            for j in sections.ordered_judgments(at).itertuples():
                item = out.setdefault(j.judgment_id, {"judgment_id": j.judgment_id,
                                                      "statement": j.statement, "points": []})
                item["statement"] = j.statement
                item["points"].append({  # type: ignore[union-attr]
                    "edition": e.number, "likelihood": j.likelihood, "statement": j.statement,
                    "confidence": j.confidence,
                    "min": int(terms.loc[j.likelihood].min_percent),
                    "max": int(terms.loc[j.likelihood].max_percent)})
        latest = list(sections.ordered_judgments(self.scope).judgment_id)
        return sorted(out.values(), key=lambda t: (latest.index(t["judgment_id"])
                                                   if t["judgment_id"] in latest else len(latest),
                                                   str(t["judgment_id"])))


def open_brief(thread: str, data_dir: Path | None = None, **params: object) -> Brief:
    """Check the parameters, load the validated data and filter it for one thread."""
    checked = check_params(thread, **params)
    reset_record()  # the Sources section lists what this brief cites, from here on
    return Brief(make_scope(load_book(data_dir), thread, checked))
