"""SLA policies as an admin writes them in botdesk.toml's [sla], and as botdesk reads them."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.config import ConfigError, Settings, load_settings
from core.enums import TicketPriority
from core.sla_policies import (
    DEFAULT_POLICIES,
    SlaClock,
    SlaPolicies,
    SlaPolicy,
    SlaTarget,
    sla_policies,
)

SETTING_VARS = [name.upper() for name in Settings.model_fields] + ["BOTDESK_CONFIG"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts in an empty folder with none of botdesk's variables set."""
    for name in SETTING_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def policies_from(toml: str) -> SlaPolicies:
    """Write ``toml`` as botdesk.toml and read the SLA policies the way botdesk does."""
    Path("botdesk.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    return sla_policies(load_settings())


def test_without_sla_the_defaults_apply() -> None:
    policies = policies_from('company_name = "Acme"\n')
    assert policies == DEFAULT_POLICIES
    urgent = policies.policy(TicketPriority.URGENT)
    assert urgent == SlaPolicy(
        TicketPriority.URGENT,
        timedelta(minutes=15),
        timedelta(minutes=15),
        timedelta(hours=4),
        business_hours=False,
    )
    low = policies.target(TicketPriority.LOW, SlaClock.RESOLUTION)
    assert low == SlaTarget(SlaClock.RESOLUTION, timedelta(hours=40), business_hours=True)
    assert policies.warn_percent == 20 and policies.warn_before is None


def test_every_default_warning_comes_before_its_due_time() -> None:
    for priority in TicketPriority:
        for target in DEFAULT_POLICIES.policy(priority).targets():
            assert timedelta(0) < DEFAULT_POLICIES.warn_at(target) < target.duration


def test_a_full_sla_table_is_read() -> None:
    policies = policies_from(
        """
        [sla]
        warn_before = "3m"
        [sla.urgent]
        first_response = "5m"
        next_response = "10m"
        resolution = "2h"
        business_hours = false
        [sla.normal]
        first_response = "1h30m"
        resolution = "3d"
        business_hours = true
        """
    )
    assert policies.warn_before == timedelta(minutes=3) and policies.warn_percent is None
    urgent = policies.policy(TicketPriority.URGENT)
    assert [t.duration for t in urgent.targets()] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(hours=2),
    ]
    assert not urgent.business_hours
    # a key left out means no target; a priority left out has none at all
    assert policies.target(TicketPriority.NORMAL, SlaClock.NEXT_RESPONSE) is None
    assert policies.target(TicketPriority.NORMAL, SlaClock.FIRST_RESPONSE) == SlaTarget(
        SlaClock.FIRST_RESPONSE, timedelta(minutes=90), business_hours=True
    )
    assert policies.policy(TicketPriority.HIGH).targets() == ()
    assert policies.policy(TicketPriority.LOW).targets() == ()


def test_a_partial_table_keeps_the_default_hours_and_warning() -> None:
    policies = policies_from('[sla.normal]\nfirst_response = "20s"\n')
    normal = policies.policy(TicketPriority.NORMAL)
    assert normal.business_hours is True  # as in the defaults for normal
    assert (
        policies_from('[sla.urgent]\nfirst_response = "1m"\n')
        .policy(TicketPriority.URGENT)
        .business_hours
        is False
    )
    assert policies.warn_percent == 20


def test_the_black_box_settings_warn_ten_seconds_before_a_twenty_second_target() -> None:
    policies = policies_from('[sla]\nwarn_before = "10s"\n[sla.normal]\nfirst_response = "20s"\n')
    target = policies.target(TicketPriority.NORMAL, SlaClock.FIRST_RESPONSE)
    assert target is not None and policies.warn_at(target) == timedelta(seconds=10)


def test_a_percentage_warns_that_share_of_each_target_ahead() -> None:
    policies = policies_from('[sla]\nwarn_before = "25%"\n[sla.high]\nfirst_response = "1h"\n')
    assert policies.warn_percent == 25
    hour = SlaTarget(SlaClock.FIRST_RESPONSE, timedelta(hours=1), business_hours=True)
    odd = SlaTarget(SlaClock.RESOLUTION, timedelta(seconds=7), business_hours=True)
    assert policies.warn_at(hour) == timedelta(minutes=15)
    assert policies.warn_at(odd) == timedelta(seconds=1)  # whole seconds, rounded down


def test_a_fixed_warning_never_exceeds_an_older_shorter_target() -> None:
    policies = SlaPolicies({}, warn_before=timedelta(minutes=15))
    short = SlaTarget(SlaClock.FIRST_RESPONSE, timedelta(minutes=5), business_hours=False)
    assert policies.warn_at(short) == timedelta(minutes=5)


@given(
    st.integers(min_value=1, max_value=365 * 86400),
    st.integers(min_value=1, max_value=99),
    st.integers(min_value=1, max_value=365 * 86400),
)
def test_a_warning_never_comes_before_the_clock_starts(
    seconds: int, percent: int, fixed: int
) -> None:
    target = SlaTarget(SlaClock.RESOLUTION, timedelta(seconds=seconds), business_hours=True)
    share = SlaPolicies({}, warn_percent=percent).warn_at(target)
    assert timedelta(0) <= share < target.duration
    assert share == timedelta(seconds=seconds * percent // 100)
    lead = SlaPolicies({}, warn_before=timedelta(seconds=fixed)).warn_at(target)
    assert lead == min(timedelta(seconds=fixed), target.duration)


def test_the_defaults_cannot_be_changed_by_a_caller() -> None:
    with pytest.raises(TypeError):
        DEFAULT_POLICIES.policies[TicketPriority.LOW] = SlaPolicy(TicketPriority.LOW)  # type: ignore[index]
    with pytest.raises(ValueError, match="exactly one"):
        SlaPolicies({}, warn_before=timedelta(minutes=5), warn_percent=20)


def test_an_empty_sla_table_sets_no_targets() -> None:
    policies = policies_from("[sla]\n")
    assert all(not policies.policy(p).targets() for p in TicketPriority)


@pytest.mark.parametrize(
    ("toml", "key", "fix"),
    [
        ('[sla.critical]\nfirst_response = "5m"\n', "sla.critical", "urgent, high, normal, low"),
        ('[sla]\nwarn_befor = "5m"\n', "sla.warn_befor", "[sla] takes warn_before"),
        ('[sla.normal]\nfrist_response = "4h"\n', "sla.normal.frist_response", "first_response"),
        ('[sla.normal]\nfirst_response = "4 hours"\n', "sla.normal.first_response", '"4h"'),
        ("[sla.normal]\nfirst_response = 90\n", "sla.normal.first_response", "90s or 90m"),
        ('[sla.low]\nresolution = "0m"\n', "sla.low.resolution", "no time at all"),
        ('[sla.low]\nresolution = "400d"\n', "sla.low.resolution", "longer than 365d"),
        ('[sla.high]\nnext_response = "-1h"\n', "sla.high.next_response", '"1h30m"'),
        ('[sla.high]\nbusiness_hours = "yes"\n', "sla.high.business_hours", "true"),
        ('[sla]\nnormal = "4h"\n', "sla.normal", "[sla.normal]"),
        ('sla = "fast"\n', "sla", "[sla]"),
        ('[sla]\nwarn_before = "150%"\n', "sla.warn_before", "1% to 99%"),
        ('[sla]\nwarn_before = "0%"\n', "sla.warn_before", '"20%"'),
        ('[sla]\nwarn_before = "soon"\n', "sla.warn_before", '"15m"'),
        (
            '[sla]\nwarn_before = "15m"\n[sla.urgent]\nfirst_response = "15m"\n'
            '[sla.low]\nresolution = "5d"\n',
            "sla.warn_before",
            "smallest target (sla.urgent.first_response = 15m), so the warning could never "
            'come before the due time. Use a shorter time, e.g. warn_before = "7m30s"',
        ),
    ],
)
def test_each_mistake_names_its_key_and_the_right_form(toml: str, key: str, fix: str) -> None:
    with pytest.raises(ConfigError) as raised:
        policies_from(toml)
    paragraph = str(raised.value)
    assert paragraph.startswith(f"Configuration error: {key} in botdesk.toml ")
    assert fix in paragraph
    assert "\n" not in paragraph
