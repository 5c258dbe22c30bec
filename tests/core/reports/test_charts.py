"""The report's charts: real PNGs, Russian labels, and matplotlib loaded only to draw."""

from __future__ import annotations

import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from core.reports.charts import chart_png, hourly_chart, operators_chart, tags_chart
from core.reports.summary import View
from tests.core.reports.report_fixtures import metrics

ROOT = Path(__file__).resolve().parents[3]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("draw", [hourly_chart, operators_chart, tags_chart])
@pytest.mark.parametrize("locale", ["ru", "en"])
def test_each_chart_is_a_png_and_cyrillic_has_its_glyphs(draw, locale: str) -> None:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font" when a letter can't be drawn
        warnings.simplefilter("error")
        png = draw(metrics(), locale)
    assert png.startswith(PNG) and len(png) > 5000


def test_empty_period_and_odd_names_still_draw() -> None:
    empty = metrics(operators=0, tags=0)
    for view in View:
        assert chart_png(empty, view, "ru").startswith(PNG)
    # a "$" in a name is text, not the start of a formula
    odd = metrics()
    named = replace(odd.operators[0], name="$x^2$ Иван " * 5)
    assert operators_chart(replace(odd, operators=(named,)), "ru").startswith(PNG)


def test_building_the_desk_does_not_load_matplotlib() -> None:
    script = (
        "import sys; from core.config import Settings; from botdesk.app import Desk; "
        "token = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ho'; "
        "Desk(Settings(_env_file=None, bot_token=token, operator_group_id=-1001)); "
        "assert 'matplotlib' not in sys.modules, 'matplotlib loaded'; "
        "from core.reports.charts import hourly_chart; "
        "assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)
