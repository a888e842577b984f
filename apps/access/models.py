"""Who may see which legal entities."""

from django.conf import settings
from django.db import models

from apps.masterdata.models import LegalEntity


class EntityMembership(models.Model):
    """Grants a user access to one legal entity's data. Users see only the entities they are members of."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entity_memberships")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "legal_entity"]
        constraints = [models.UniqueConstraint(fields=["user", "legal_entity"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.legal_entity.code}"
