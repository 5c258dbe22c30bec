from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0004_conversation_activity_from_messages')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Ticket',
            name='csat_comment_pending',
            field=fields.BooleanField(default=False),
        ),
    ]
