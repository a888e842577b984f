"""Fill the open-exception tally from the exceptions table (the tally is kept by the services from now on).

Data only (the table comes with 0006). On PostgreSQL exception writers wait for the SHARE lock meanwhile: one
grouped read of the open cases (seconds at a million exceptions). Reversing empties nothing: 0006's reverse drops
the table.
"""

from django.db import migrations


def fill(apps, schema_editor):
    from apps.exceptions.tally import tally_rebuild

    tally_rebuild(
        case_model=apps.get_model("exceptions", "ExceptionCase"),
        tally_model=apps.get_model("exceptions", "OpenExceptionTally"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("exceptions", "0006_open_exception_tally"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]
