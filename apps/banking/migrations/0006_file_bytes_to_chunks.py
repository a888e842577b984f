"""Move the bytes of kept bank files and of waiting uploads from their ``content`` column into chunks.

Why: the column made every import hold a file whole in memory (a 200 MB camt.053 peaked at 2.2 GB RSS);
chunks are written and read piece by piece. One row at a time, so the migration itself stays small in
memory too. The reverse joins the chunks back into the column.
"""

from django.db import migrations

CHUNK_BYTES = 1024 * 1024  # apps.banking.filestore.CHUNK_BYTES at the time of writing


def _to_chunks(apps, owner_model: str, chunk_model: str, owner_field: str) -> None:
    owners = apps.get_model("banking", owner_model)
    chunks = apps.get_model("banking", chunk_model)
    for pk in owners.objects.exclude(content=b"").values_list("pk", flat=True).iterator():
        content = bytes(owners.objects.filter(pk=pk).values_list("content", flat=True).get())
        chunks.objects.bulk_create(
            chunks(**{f"{owner_field}_id": pk}, number=number, data=content[start:start + CHUNK_BYTES])
            for number, start in enumerate(range(0, len(content), CHUNK_BYTES)))
        owners.objects.filter(pk=pk).update(content=b"")


def _from_chunks(apps, owner_model: str, chunk_model: str, owner_field: str) -> None:
    owners = apps.get_model("banking", owner_model)
    chunks = apps.get_model("banking", chunk_model)
    for pk in owners.objects.values_list("pk", flat=True).iterator():
        pieces = chunks.objects.filter(**{f"{owner_field}_id": pk}).order_by("number").values_list("data", flat=True)
        owners.objects.filter(pk=pk).update(content=b"".join(bytes(p) for p in pieces))
    chunks.objects.all().delete()


def forwards(apps, schema_editor):
    _to_chunks(apps, "StatementFile", "StatementFileChunk", "file")
    _to_chunks(apps, "BankFileUpload", "BankFileUploadChunk", "upload")


def backwards(apps, schema_editor):
    _from_chunks(apps, "StatementFile", "StatementFileChunk", "file")
    _from_chunks(apps, "BankFileUpload", "BankFileUploadChunk", "upload")


class Migration(migrations.Migration):

    dependencies = [
        ('banking', '0005_file_chunks'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
