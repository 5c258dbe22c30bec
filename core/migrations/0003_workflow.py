from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.enums import DeliveryState, EventKind
from core.models.relay import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from core.migration_ops import AlterFieldMetadata

class Migration(migrations.Migration):
    dependencies = [('botdesk', '0002_relay')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('botdesk.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('conversation', fields.ForeignKeyField('botdesk.Conversation', source_field='conversation_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('botdesk.Operator', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharEnumField(description='OPENED: opened\nREOPENED: reopened\nASSIGNED: assigned\nUNASSIGNED: unassigned\nSTATUS: status\nPRIORITY: priority\nTAG_ADDED: tag_added\nTAG_REMOVED: tag_removed\nTEMPLATE_USED: template_used\nBANNED: banned\nUNBANNED: unbanned\nRATED: rated\nCOMMENTED: commented\nROLE: role\nREFUSED: refused', enum_type=EventKind, max_length=32)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'events', 'app': 'botdesk', 'indexes': [Index(fields=['ticket_id', 'created_at']), Index(fields=['kind', 'created_at'])], 'pk_attr': 'id', 'table_description': 'Something that happened to a ticket or customer, with who did it and when.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=32)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tags', 'app': 'botdesk', 'pk_attr': 'id', 'table_description': 'A label operators may put on tickets (the list admins keep with /tag add).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Template',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('language', fields.CharField(default='', max_length=8)),
                ('text', fields.TextField(null=True, unique=False)),
                ('html', fields.TextField(null=True, unique=False)),
                ('attachment', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.ForeignKeyField('botdesk.Operator', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='templates', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'templates', 'app': 'botdesk', 'unique_together': (('name', 'language'),), 'pk_attr': 'id', 'table_description': 'A canned reply in one language (``language`` empty: for any language).'},
            bases=['Model'],
        ),
        # Only the enum's description changed: no table rebuild (see core.migration_ops).
        AlterFieldMetadata(
            model_name='Message',
            name='delivery_state',
            field=fields.CharEnumField(default=DeliveryState.PENDING, description='PENDING: pending\nDELIVERED: delivered\nFAILED: failed\nHELD: held\nDISCARDED: discarded', enum_type=DeliveryState, max_length=16),
        ),
    ]
