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


class ApiToken(models.Model):
    """A machine client's credential: a bearer token owned by a user, narrowed to some entities and capabilities.

    Only a SHA-256 digest of the secret is stored; the full token is shown once, at creation. The
    `prefix` (public, unique) finds the row without scanning; the digest is compared in constant time.
    A token never grants more than its owner has now: its capabilities and entities are intersected
    with the owner's at every request.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="what the token is for, e.g. 'ERP nightly export'")
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    capabilities = models.JSONField(default=list, help_text="capability values of the access matrix")
    legal_entities = models.ManyToManyField(LegalEntity, related_name="api_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now
