import dangxiao.liaison.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('liaison', '0003_compound_token_and_defaults'),
    ]

    operations = [
        migrations.AlterField(
            model_name='compound',
            name='public_token',
            field=models.CharField(default=dangxiao.liaison.models.new_token, max_length=32, unique=True, verbose_name='公开页令牌'),
        ),
    ]
