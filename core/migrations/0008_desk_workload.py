from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.enums import EventKind, OperatorPresence
from core.models.relay import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

from core.migration_ops import AlterFieldMetadata, DropColumn

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0007_sla_clocks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Task',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('botdesk.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('owner', fields.ForeignKeyField('botdesk.Operator', source_field='owner_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('created_by', fields.ForeignKeyField('botdesk.Operator', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='tasks_created', on_delete=OnDelete.SET_NULL)),
                ('text', fields.CharField(max_length=1000)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('prompt_message_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tasks', 'app': 'botdesk', 'indexes': [Index(fields=['owner_id', 'done_at', 'due_at']), Index(fields=['ticket_id', 'done_at', 'due_at'])], 'pk_attr': 'id', 'table_description': 'A follow-up an operator owes at ``due_at``, linked to a ticket or personal.'},
            bases=['Model'],
        ),
        # Only the enum's description changed: no table rebuild (see core.migration_ops).
        AlterFieldMetadata(
            model_name='Event',
            name='kind',
            field=fields.CharEnumField(description='OPENED: opened\nREOPENED: reopened\nASSIGNED: assigned\nUNASSIGNED: unassigned\nSTATUS: status\nPRIORITY: priority\nTAG_ADDED: tag_added\nTAG_REMOVED: tag_removed\nTEMPLATE_USED: template_used\nBANNED: banned\nUNBANNED: unbanned\nRATED: rated\nCOMMENTED: commented\nROLE: role\nREFUSED: refused\nSLA_HIT: sla_hit\nSLA_BREACHED: sla_breached\nSLA_WARNED: sla_warned\nSLA_RECOMPUTED: sla_recomputed\nTASK_CREATED: task_created\nTASK_MOVED: task_moved\nTASK_DONE: task_done\nTASK_REMINDED: task_reminded\nSNOOZED: snoozed\nWOKE: woke\nNUDGED: nudged\nPRESENCE: presence\nCAPACITY: capacity', enum_type=EventKind, max_length=32),
        ),
        ops.AddField(
            model_name='Event',
            name='actor_label',
            field=fields.CharField(null=True, max_length=80),
        ),
        # capacity becomes nullable (NULL: DEFAULT_CAPACITY). SQLite cannot drop NOT NULL
        # without a table rebuild, which loses the unique telegram_id; nobody could set a
        # capacity before, so the column is dropped and added again, empty.
        DropColumn(model_name='Operator', name='capacity', table='operators'),
        ops.AddField(
            model_name='Operator',
            name='capacity',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Operator',
            name='last_assigned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Operator',
            name='presence',
            field=fields.CharEnumField(default=OperatorPresence.OFFLINE, description='ONLINE: online\nAWAY: away\nOFFLINE: offline', enum_type=OperatorPresence, max_length=16),
        ),
        ops.AddField(
            model_name='Ticket',
            name='assigned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='nudged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='rules_fired',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Ticket',
            name='snoozed_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # whoever was on shift is online
        ops.RunSQL("UPDATE operators SET presence = 'online' WHERE on_shift"),
    ]
