# Written by hand: the liaison settings (categories, state labels, canned replies) become each working
# committee's own. This step adds the columns and the new table of labels; 0007 gives every existing
# committee the install's settings as they stand; 0008 makes the columns required and drops the old
# install-wide table. Apart, so that PostgreSQL has no pending trigger events when it alters a table.

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
        ('liaison', '0005_matter_first_deadlines'),
        ('people', '0002_organization_path_prefix_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='CommitteeMatterState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(choices=STATE_CHOICES, max_length=20, verbose_name='代码')),
                ('label', models.CharField(max_length=20, verbose_name='名称')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
                ('working_committee', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization', verbose_name='所属党工委')),
            ],
            options={
                'verbose_name': '事项状态',
                'verbose_name_plural': '事项状态',
                'ordering': ['order'],
            },
        ),
        migrations.AlterField(
            model_name='mattercategory',
            name='code',
            field=models.SlugField(max_length=40, verbose_name='代码'),
        ),
        migrations.AddField(
            model_name='mattercategory',
            name='working_committee',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization', verbose_name='所属党工委'),
        ),
        migrations.AddField(
            model_name='cannedreply',
            name='working_committee',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization', verbose_name='所属党工委'),
        ),
        migrations.AddField(
            model_name='cannedreply',
            name='state_code',
            field=models.CharField(choices=STATE_CHOICES, default='', max_length=20, verbose_name='状态'),
        ),
    ]
