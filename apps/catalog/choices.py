from django.db import models


class InterfaceKind(models.TextChoices):
    CONNECTOR = "connector", "Connector"
    FLOW = "flow", "Flow"


class Classification(models.TextChoices):
    """What to do with an interface in the ERP migration (rationalisation decision)."""

    RETAIN = "retain", "Retain"
    REDESIGN = "redesign", "Redesign"
    RETIRE = "retire", "Retire"
    REPLACE = "replace", "Replace"


BADGE_COLOURS = {"retain": "green", "redesign": "amber", "retire": "red", "replace": "blue"}
