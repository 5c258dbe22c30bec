from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.enums import EventKind, SlaClock, SlaOutcome
from core.models.relay import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

from core.migration_ops import AlterFieldMetadata

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0006_dead_letters')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Deadline',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=128)),
                ('kind', fields.CharField(max_length=32)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('fired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deadlines', 'app': 'botdesk', 'indexes': [Index(fields=['fired_at', 'due_at'])], 'pk_attr': 'id', 'table_description': 'A moment at which the desk must act, kept until it has fired.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TicketClock',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('botdesk.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='clocks', on_delete=OnDelete.CASCADE)),
                ('clock', fields.CharEnumField(description='FIRST_RESPONSE: first_response\nNEXT_RESPONSE: next_response\nRESOLUTION: resolution', enum_type=SlaClock, max_length=16)),
                ('cycle', fields.IntField(default=1)),
                ('target_seconds', fields.IntField()),
                ('business_hours', fields.BooleanField(default=True)),
                ('warn_seconds', fields.IntField(default=0)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('warn_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paused_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('spent_seconds', fields.IntField(default=0)),
                ('stopped_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharEnumField(null=True, description='HIT: hit\nBREACHED: breached', enum_type=SlaOutcome, max_length=16)),
                ('warned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('breached_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sla_clocks', 'app': 'botdesk', 'unique_together': (('ticket_id', 'clock', 'cycle'),), 'indexes': [Index(fields=['ticket_id', 'stopped_at']), Index(fields=['stopped_at', 'due_at'])], 'pk_attr': 'id', 'table_description': 'One SLA clock of a ticket: its copied target, its running state and how it ended.'},
            bases=['Model'],
        ),
        # Only the enum's description changed: no table rebuild (see core.migration_ops).
        AlterFieldMetadata(
            model_name='Event',
            name='kind',
            field=fields.CharEnumField(description='OPENED: opened\nREOPENED: reopened\nASSIGNED: assigned\nUNASSIGNED: unassigned\nSTATUS: status\nPRIORITY: priority\nTAG_ADDED: tag_added\nTAG_REMOVED: tag_removed\nTEMPLATE_USED: template_used\nBANNED: banned\nUNBANNED: unbanned\nRATED: rated\nCOMMENTED: commented\nROLE: role\nREFUSED: refused\nSLA_HIT: sla_hit\nSLA_BREACHED: sla_breached\nSLA_WARNED: sla_warned\nSLA_RECOMPUTED: sla_recomputed', enum_type=EventKind, max_length=32),
        ),
        ops.AddField(
            model_name='Ticket',
            name='awaiting_reply_since',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='off_hours_replied_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_targets',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['status', 'awaiting_reply_since']),
        ),
    ]
