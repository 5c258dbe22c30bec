from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0012_reply_index')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Event',
            name=None,
            fields=['kind', 'created_at'],
        ),
        ops.AddIndex(
            model_name='Event',
            index=Index(fields=['kind', 'created_at', 'ticket_id']),
        ),
        ops.RemoveIndex(
            model_name='Ticket',
            name=None,
            fields=['resolved_at'],
        ),
        ops.RemoveIndex(
            model_name='Ticket',
            name=None,
            fields=['closed_at'],
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['status', 'opened_at', 'assignee_id']),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['resolved_at', 'closed_at', 'status', 'assignee_id', 'csat_score', 'resolution_seconds', 'resolution_business_seconds']),
        ),
        ops.RemoveIndex(
            model_name='TicketClock',
            name=None,
            fields=['stopped_at', 'due_at'],
        ),
        ops.RemoveIndex(
            model_name='TicketClock',
            name=None,
            fields=['breached_at'],
        ),
        ops.AddIndex(
            model_name='TicketClock',
            index=Index(fields=['stopped_at', 'due_at', 'outcome', 'clock']),
        ),
        ops.AddIndex(
            model_name='TicketClock',
            index=Index(fields=['breached_at', 'outcome', 'clock']),
        ),
    ]
