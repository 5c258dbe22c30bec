"""The outbox operations of the relay, registered by operation name."""

from __future__ import annotations

from core.context import DeskContext
from core.messaging.delivery import DeliverEdit, DeliverReplies
from core.messaging.mirroring import MirrorEdit, MirrorMessages, OpenTopic, PostAlert, PostNotice
from core.outbox import Operation
from core.outbox.queues import (
    ACKNOWLEDGE,
    ALERT,
    ASK_COMMENT,
    ASK_RATING,
    DELIVER,
    DELIVER_EDIT,
    EDIT_CARD,
    HOLD_PROMPT,
    MIRROR,
    MIRROR_EDIT,
    NEW_TICKET_CARD,
    NOTICE,
    OPEN_TOPIC,
    RENAME_TOPIC,
)
from core.ports import Ports
from core.relay.acknowledgements import AUTO_REPLY, SendAutoReply
from core.relay.template_posting import PostTemplate
from core.tickets.bans import BAN_NOTICE, BanNotice
from core.tickets.card_refresh import EditCard, NewTicketCard, RenameTopic
from core.tickets.collisions import HoldPrompt
from core.tickets.csat import Acknowledge, AskComment, AskRating
from core.tickets.templates import POST_TEMPLATE


def relay_operations(ports: Ports, ctx: DeskContext) -> dict[str, Operation]:
    """Every operation the relay enqueues, ready for ``OutboxWorker``."""
    return {
        OPEN_TOPIC: OpenTopic(ports, ctx),
        MIRROR: MirrorMessages(ports, ctx),
        MIRROR_EDIT: MirrorEdit(ports, ctx),
        NOTICE: PostNotice(ports, ctx),
        ALERT: PostAlert(ports),
        DELIVER: DeliverReplies(ports, ctx),
        DELIVER_EDIT: DeliverEdit(ports, ctx),
        POST_TEMPLATE: PostTemplate(ports, ctx),
        BAN_NOTICE: BanNotice(ports, ctx),
        EDIT_CARD: EditCard(ports, ctx),
        RENAME_TOPIC: RenameTopic(ports, ctx),
        NEW_TICKET_CARD: NewTicketCard(ports, ctx),
        ASK_RATING: AskRating(ports, ctx),
        ASK_COMMENT: AskComment(ports, ctx),
        ACKNOWLEDGE: Acknowledge(ports, ctx),
        HOLD_PROMPT: HoldPrompt(ports, ctx),
        AUTO_REPLY: SendAutoReply(ports),
    }
