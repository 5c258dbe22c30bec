from tortoise import migrations
from core.migration_ops import DropColumn

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0003_workflow')]

    initial = False

    operations = [
        # A plain DROP COLUMN: a table rebuild would lose the constraints (see core.migration_ops).
        DropColumn(model_name='Conversation', name='last_message_at', table='conversations'),
    ]
