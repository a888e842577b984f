from django.db import models


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed (awaiting approval)"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


BADGE_COLOURS = {"draft": "grey", "proposed": "amber", "approved": "green", "rejected": "red", "retired": "grey"}
