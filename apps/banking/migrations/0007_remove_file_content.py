# The bytes live in chunks since 0006; the whole-file columns go. StatementFile.content first gets a
# default so that the reverse can add the column back to a table with rows (0006's reverse then fills it).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('banking', '0006_file_bytes_to_chunks'),
    ]

    operations = [
        migrations.AlterField(
            model_name='statementfile',
            name='content',
            field=models.BinaryField(default=bytes, editable=False),
        ),
        migrations.RemoveField(
            model_name='bankfileupload',
            name='content',
        ),
        migrations.RemoveField(
            model_name='statementfile',
            name='content',
        ),
    ]
