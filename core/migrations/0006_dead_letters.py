from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.enums import Channel
from core.models.dead_letters import DeadLetterStatus
from core.models.relay import utcnow
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0005_csat_comment')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeadLetter',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharEnumField(description='TELEGRAM: telegram\nVK: vk', enum_type=Channel, max_length=16)),
                ('update_id', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('error', fields.TextField(unique=False)),
                ('attempts', fields.IntField(default=0)),
                ('status', fields.CharEnumField(default=DeadLetterStatus.SET_ASIDE, description='SET_ASIDE: set_aside\nREPLAYED: replayed', enum_type=DeadLetterStatus, max_length=16)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('replayed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'dead_letters', 'app': 'botdesk', 'indexes': [Index(fields=['channel', 'update_id'])], 'pk_attr': 'id', 'table_description': 'An update whose handling failed repeatedly, kept so that it can be replayed.'},
            bases=['Model'],
        ),
    ]
