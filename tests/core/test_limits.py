"""Outside text cut to the columns it goes into, the limits read from the models."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.enums import Channel
from core.limits import customer_profile, fit, fit_optional, max_length, operator_profile
from core.models import Customer, Operator, Tag


def test_limits_come_from_the_models() -> None:
    assert max_length(Customer, "first_name") == Customer._meta.fields_map["first_name"].max_length
    assert max_length(Tag, "name") == 32
    assert fit("x" * 100, Operator, "username") == "x" * 64
    assert fit_optional("", Operator, "username") is None
    assert fit_optional(None, Operator, "username") is None


@given(st.text(max_size=600), st.text(max_size=600), st.none() | st.text(max_size=200))
def test_profiles_always_fit_their_rows(first: str, last: str, username: str | None) -> None:
    customer = customer_profile(Channel.TELEGRAM, 1, first, last, username, "en")
    assert len(customer.first_name) <= max_length(Customer, "first_name")
    assert len(customer.last_name) <= max_length(Customer, "last_name")
    assert customer.username is None or 0 < len(customer.username) <= 64
    assert first.startswith(customer.first_name)
    operator = operator_profile(1, first + last, username)
    assert len(operator.name) <= max_length(Operator, "name")
    assert operator.username is None or len(operator.username) <= max_length(Operator, "username")
