"""What fits in a column: outside text cut to the ``max_length`` its model declares.

Names, usernames and other strings from a messenger are not bounded by us: a forged
update may carry a first name of thousands of characters, which PostgreSQL rejects
and which would stop the update from ever being handled. Adapters pass such strings
through :func:`fit` before they build an entity; the limit is read from the model
field, so a migration that widens a column widens what is kept.
"""

from __future__ import annotations

from functools import cache

from tortoise.models import Model

from core.entities import CustomerProfile, OperatorProfile
from core.enums import Channel
from core.models import Customer, Operator

#: The largest value a BIGINT column (Telegram and VK ids, thread ids) holds.
BIGINT_MAX = 2**63 - 1
#: The largest value an INT column (ticket numbers, row ids) holds.
INT_MAX = 2**31 - 1


@cache
def max_length(model: type[Model], field: str) -> int:
    """The ``max_length`` of ``model.field`` (a CharField)."""
    found = model._meta.fields_map[field]
    limit = getattr(found, "max_length", None)
    if not isinstance(limit, int):
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return limit


def fit(text: str, model: type[Model], field: str) -> str:
    """``text`` cut to what ``model.field`` holds."""
    return text[: max_length(model, field)]


def fit_optional(text: str | None, model: type[Model], field: str) -> str | None:
    """:func:`fit` for a nullable column: None and the empty string stay None."""
    return fit(text, model, field) if text else None


def operator_profile(telegram_id: int, name: str, username: str | None) -> OperatorProfile:
    """An operator as a messenger describes them, cut to what the operator row holds."""
    return OperatorProfile(
        telegram_id=telegram_id,
        name=fit(name, Operator, "name"),
        username=fit_optional(username, Operator, "username"),
    )


def customer_profile(
    channel: Channel,
    external_id: int,
    first_name: str,
    last_name: str,
    username: str | None,
    language: str,
) -> CustomerProfile:
    """A customer as a messenger describes them, cut to what the customer row holds."""
    return CustomerProfile(
        channel=channel,
        external_id=external_id,
        first_name=fit(first_name, Customer, "first_name"),
        last_name=fit(last_name, Customer, "last_name"),
        username=fit_optional(username, Customer, "username"),
        language=fit(language, Customer, "language"),
    )
