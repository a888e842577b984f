"""docs/ACCESS.md shows the access matrix exactly as apps/access/roles.py defines it."""

from pathlib import Path

from django.conf import settings

from apps.access.roles import ACCESS_MATRIX, Capability, Role, access_matrix_markdown


def test_the_documented_matrix_is_the_code_matrix():
    doc = (Path(settings.BASE_DIR) / "docs" / "ACCESS.md").read_text()
    table = access_matrix_markdown()

    assert table in doc, "regenerate the table in docs/ACCESS.md from apps.access.roles.access_matrix_markdown()"
    rows = table.splitlines()[2:]
    assert len(rows) == len(Capability)
    for row, cap in zip(rows, Capability, strict=True):
        ticks = [cell.strip() == "✔" for cell in row.strip("|").split("|")[1:]]
        assert ticks == [cap in ACCESS_MATRIX[r] for r in Role], cap
