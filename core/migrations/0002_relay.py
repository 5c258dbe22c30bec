from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Message',
            name='html',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='OutboxItem',
            name='budget_key',
            field=fields.CharField(default='', max_length=128),
        ),
    ]
