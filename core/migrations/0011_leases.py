from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0010_measures')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Lease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ('holder', fields.CharField(default='', max_length=128)),
                ('token', fields.BigIntField(default=0)),
                ('expires_at', fields.FloatField(default=0.0)),
            ],
            options={'table': 'leases', 'app': 'botdesk', 'pk_attr': 'name', 'table_description': 'One named lease: who holds it, until when, and its fencing token.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxItem',
            name='claimed_by',
            field=fields.CharField(null=True, description='the process that claimed the item (its ``instance:<name>`` lease says if it lives)', max_length=128),
        ),
    ]
