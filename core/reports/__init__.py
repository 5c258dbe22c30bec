"""Reports: the desk's metrics over a period, computed by the database.

* :mod:`~core.reports.period` — the period a report covers (``today``, ``week``, a range …);
* :mod:`~core.reports.metrics` — :func:`compute_metrics`, every figure of a period;
* :mod:`~core.reports.volume`, :mod:`~core.reports.timing`, :mod:`~core.reports.quality`,
  :mod:`~core.reports.people` — the figures by kind, each a few SQL statements;
* :mod:`~core.reports.scope` and :mod:`~core.reports.sql` — which rows count, and the SQL
  both engines share (nearest-rank percentiles, desk-time hours, JSON);
* :mod:`~core.reports.summary`, :mod:`~core.reports.views`, :mod:`~core.reports.wording` —
  a report's text in the operators' language, fitting one message;
* :mod:`~core.reports.charts` — its charts (matplotlib, imported only to draw);
* :mod:`~core.reports.export` — ``/export``'s CSV files, written page by page;
* :mod:`~core.reports.access` — managers and admins only, refusals recorded.

Uses the foundation (rows, enums, the context) and, to check who asks, the staff rules;
the durations it ranks are stored as they happen by :mod:`core.timers.measures`. No
messenger SDK, no web framework; matplotlib only inside a chart's drawing.
"""
