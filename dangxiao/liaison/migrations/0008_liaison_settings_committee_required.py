# Written by hand: after 0007, every category, state label and canned reply belongs to a working
# committee; the install-wide table of labels goes, and the new one takes its name.

import django.db.models.deletion
from django.db import migrations, models

STATE_CHOICES = [
    ("reported", "待受理"),
    ("accepted", "已受理"),
    ("assigned", "已指派"),
    ("in_progress", "办理中"),
    ("resolved", "已解决"),
    ("not_responsible", "非职责范围"),
    ("duplicate", "重复"),
    ("withdrawn", "已撤回"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('liaison', '0007_liaison_settings_to_each_committee'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='cannedreply',
            options={'ordering': ['title', 'pk'], 'verbose_name': '常用回复', 'verbose_name_plural': '常用回复'},
        ),
        migrations.RemoveField(
            model_name='cannedreply',
            name='state',
        ),
        migrations.DeleteModel(
            name='MatterState',
        ),
        migrations.RenameModel(
            old_name='CommitteeMatterState',
            new_name='MatterState',
        ),
        migrations.RenameField(
            model_name='cannedreply',
            old_name='state_code',
            new_name='state',
        ),
        migrations.AlterField(
            model_name='cannedreply',
            name='state',
            field=models.CharField(choices=STATE_CHOICES, max_length=20, verbose_name='状态'),
        ),
        migrations.AlterField(
            model_name='cannedreply',
            name='working_committee',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization', verbose_name='所属党工委'),
        ),
        migrations.AlterField(
            model_name='mattercategory',
            name='working_committee',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization', verbose_name='所属党工委'),
        ),
        migrations.AddConstraint(
            model_name='mattercategory',
            constraint=models.UniqueConstraint(fields=('working_committee', 'code'), name='category_code_unique_per_committee'),
        ),
        migrations.AddConstraint(
            model_name='matterstate',
            constraint=models.UniqueConstraint(fields=('working_committee', 'code'), name='state_label_unique_per_committee'),
        ),
    ]
