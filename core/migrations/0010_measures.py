from tortoise import migrations
from tortoise.migrations import operations as ops
from core.enums import ResponseKind
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0009_tasks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Message',
            name='response_business_seconds',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Message',
            name='response_kind',
            field=fields.CharEnumField(null=True, description='FIRST: first\nNEXT: next', enum_type=ResponseKind, max_length=8),
        ),
        ops.AddField(
            model_name='Message',
            name='response_seconds',
            field=fields.IntField(null=True),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['direction', 'created_at']),
        ),
        ops.AddField(
            model_name='Ticket',
            name='first_response_business_seconds',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Ticket',
            name='first_response_seconds',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Ticket',
            name='paused_business_seconds',
            field=fields.IntField(null=True, default=0),
        ),
        ops.AddField(
            model_name='Ticket',
            name='paused_seconds',
            field=fields.IntField(null=True, default=0),
        ),
        ops.AddField(
            model_name='Ticket',
            name='paused_since',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='resolution_business_seconds',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Ticket',
            name='resolution_seconds',
            field=fields.IntField(null=True),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['opened_at']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['resolved_at']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['closed_at']),
        ),
        ops.AddIndex(
            model_name='TicketClock',
            index=Index(fields=['breached_at']),
        ),
        # Tickets from before measures have no record of their paused time: NULL marks
        # them, and reports give them no resolution time (see core.timers.measures).
        ops.RunSQL("UPDATE tickets SET paused_seconds = NULL, paused_business_seconds = NULL"),
    ]
