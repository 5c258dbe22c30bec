"""Reports: the desk's metrics over a period, computed by the database.

* :mod:`~core.reports.period` — the period a report covers (``today``, ``week``, a range …);
* :mod:`~core.reports.metrics` — :func:`compute_metrics`, every figure of a period;
* :mod:`~core.reports.volume`, :mod:`~core.reports.timing`, :mod:`~core.reports.quality`,
  :mod:`~core.reports.people` — the figures by kind, each a few SQL statements;
* :mod:`~core.reports.scope` and :mod:`~core.reports.sql` — which rows count, and the SQL
  both engines share (nearest-rank percentiles, desk-time hours, JSON).

Uses the foundation only (rows, enums, the context); the durations it ranks are stored
as they happen by :mod:`core.timers.measures`. No messenger SDK, no web framework.
"""
