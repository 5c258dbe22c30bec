from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.models import Channel, DeliveryState, DestinationKind, MessageDirection, MessageKind, OperatorRole, OutboxStatus, TicketPriority, TicketStatus, utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='ChannelCursor',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=128)),
                ('value', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'channel_cursors', 'app': 'botdesk', 'pk_attr': 'id', 'table_description': 'A named piece of state that must survive restarts (key → text).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharEnumField(description='TELEGRAM: telegram\nVK: vk', enum_type=Channel, max_length=16)),
                ('external_id', fields.BigIntField()),
                ('first_name', fields.CharField(default='', max_length=255)),
                ('last_name', fields.CharField(default='', max_length=255)),
                ('username', fields.CharField(null=True, max_length=64)),
                ('language', fields.CharField(default='en', max_length=16)),
                ('is_blocked', fields.BooleanField(default=False)),
                ('is_banned', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'customers', 'app': 'botdesk', 'unique_together': (('channel', 'external_id'),), 'pk_attr': 'id', 'table_description': 'One person on one channel: a Telegram user or a VK peer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Conversation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.OneToOneField('botdesk.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='conversation', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='TELEGRAM: telegram\nVK: vk', enum_type=Channel, max_length=16)),
                ('chat_id', fields.BigIntField()),
                ('message_thread_id', fields.BigIntField(null=True, db_index=True)),
                ('topic_title', fields.CharField(default='', max_length=128)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('last_message_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversations', 'app': 'botdesk', 'unique_together': (('channel', 'chat_id'),), 'pk_attr': 'id', 'table_description': 'The continuous chat between the desk and one customer, never closed for good.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Operator',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('telegram_id', fields.BigIntField(unique=True)),
                ('name', fields.CharField(max_length=255)),
                ('username', fields.CharField(null=True, max_length=64)),
                ('role', fields.CharEnumField(default=OperatorRole.AGENT, description='AGENT: agent\nSENIOR: senior\nMANAGER: manager\nADMIN: admin', enum_type=OperatorRole, max_length=16)),
                ('on_shift', fields.BooleanField(default=False)),
                ('capacity', fields.IntField(default=5)),
                ('languages', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'operators', 'app': 'botdesk', 'pk_attr': 'id', 'table_description': 'A Telegram user who works in the operator group.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('botdesk.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=TicketStatus.NEW, description='NEW: new\nOPEN: open\nWAITING: waiting\nRESOLVED: resolved\nCLOSED: closed', enum_type=TicketStatus, max_length=16)),
                ('priority', fields.CharEnumField(default=TicketPriority.NORMAL, description='LOW: low\nNORMAL: normal\nHIGH: high\nURGENT: urgent', enum_type=TicketPriority, max_length=16)),
                ('assignee', fields.ForeignKeyField('botdesk.Operator', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.SET_NULL)),
                ('tags', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('opened_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('first_response_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('csat_score', fields.SmallIntField(null=True)),
                ('csat_comment', fields.TextField(null=True, unique=False)),
                ('card_message_id', fields.BigIntField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'tickets', 'app': 'botdesk', 'indexes': [Index(fields=['conversation_id', 'status']), Index(fields=['status', 'priority']), Index(fields=['assignee_id', 'status'])], 'pk_attr': 'id', 'table_description': 'One request inside a conversation ("обращение"), shown as ``#<number>``.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('botdesk.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('botdesk.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.SET_NULL)),
                ('direction', fields.CharEnumField(description='INBOUND: inbound\nOUTBOUND: outbound\nNOTE: note', enum_type=MessageDirection, max_length=16)),
                ('kind', fields.CharEnumField(default=MessageKind.TEXT, description='TEXT: text\nPHOTO: photo\nVIDEO: video\nANIMATION: animation\nDOCUMENT: document\nAUDIO: audio\nVOICE: voice\nVIDEO_NOTE: video_note\nSTICKER: sticker\nLOCATION: location\nVENUE: venue\nCONTACT: contact\nDICE: dice\nPOLL: poll\nOTHER: other', enum_type=MessageKind, max_length=16)),
                ('text', fields.TextField(null=True, unique=False)),
                ('attachments', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('channel', fields.CharEnumField(description='TELEGRAM: telegram\nVK: vk', enum_type=Channel, max_length=16)),
                ('customer_chat_id', fields.BigIntField()),
                ('customer_message_id', fields.BigIntField(null=True)),
                ('group_message_id', fields.BigIntField(null=True, db_index=True)),
                ('reply_to', fields.ForeignKeyField('botdesk.Message', source_field='reply_to_id', null=True, db_constraint=True, to_field='id', related_name='replies', on_delete=OnDelete.SET_NULL)),
                ('album_id', fields.CharField(null=True, max_length=64)),
                ('author', fields.ForeignKeyField('botdesk.Operator', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivery_state', fields.CharEnumField(default=DeliveryState.PENDING, description='PENDING: pending\nDELIVERED: delivered\nFAILED: failed', enum_type=DeliveryState, max_length=16)),
                ('delivery_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'messages', 'app': 'botdesk', 'unique_together': (('channel', 'customer_chat_id', 'customer_message_id'),), 'indexes': [Index(fields=['conversation_id', 'created_at']), Index(fields=['ticket_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One inbound, outbound or note message of a conversation, with its ids on every side.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('destination', fields.CharField(max_length=128)),
                ('destination_kind', fields.CharEnumField(description='TELEGRAM_PRIVATE: telegram_private\nTELEGRAM_GROUP: telegram_group\nVK: vk', enum_type=DestinationKind, max_length=32)),
                ('operation', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=OutboxStatus.PENDING, description='PENDING: pending\nIN_FLIGHT: in_flight\nDONE: done\nFAILED: failed', enum_type=OutboxStatus, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('not_before', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('coalesce_key', fields.CharField(null=True, max_length=128)),
                ('message', fields.ForeignKeyField('botdesk.Message', source_field='message_id', null=True, db_constraint=True, to_field='id', related_name='outbox_items', on_delete=OnDelete.SET_NULL)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'outbox', 'app': 'botdesk', 'indexes': [Index(fields=['status', 'destination', 'id']), Index(fields=['status', 'not_before']), Index(fields=['coalesce_key', 'status'])], 'pk_attr': 'id', 'table_description': 'One durable outbound call waiting to be made (the outbox).'},
            bases=['Model'],
        ),
    ]
