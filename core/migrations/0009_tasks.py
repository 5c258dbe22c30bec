from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0008_desk_workload')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Task',
            name='source_message_id',
            field=fields.BigIntField(null=True, unique=True),
        ),
    ]
