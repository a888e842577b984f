# Bank file bytes as numbered chunks, so a large file is never held whole in memory (docs/PERFORMANCE.md #4).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('banking', '0004_statementline_write_light_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='BankFileUploadChunk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('data', models.BinaryField()),
                ('upload', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='chunks', to='banking.bankfileupload')),
            ],
            options={
                'ordering': ['upload', 'number'],
                'constraints': [models.UniqueConstraint(fields=('upload', 'number'), name='bankfileuploadchunk_unique')],
            },
        ),
        migrations.CreateModel(
            name='StatementFileChunk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('data', models.BinaryField()),
                ('file', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='chunks', to='banking.statementfile')),
            ],
            options={
                'ordering': ['file', 'number'],
                'constraints': [models.UniqueConstraint(fields=('file', 'number'), name='statementfilechunk_unique')],
            },
        ),
    ]
