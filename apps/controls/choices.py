"""Choices of the controls: what a person decides about a possible duplicate supplier."""

from django.db import models


class DuplicateDecision(models.TextChoices):
    MERGE = "merge", "Merge into the existing supplier"
    LINK = "link", "Link to the existing supplier"
    ACCEPT_NEW = "accept_new", "Accept as a new supplier"


NEEDS_TARGET = (DuplicateDecision.MERGE, DuplicateDecision.LINK)
