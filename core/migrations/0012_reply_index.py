from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0011_leases')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Message',
            name=None,
            fields=['direction', 'created_at'],
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['direction', 'created_at', 'author_id', 'delivery_state', 'response_kind', 'response_seconds', 'response_business_seconds', 'ticket_id', 'album_id']),
        ),
    ]
