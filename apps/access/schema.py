"""OpenAPI description of the token authentication (loaded by AccessConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.access.tokens.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "fsk_<prefix>_<secret>",
                "description": "An API token created on the API tokens page; scoped to entities and capabilities."}
