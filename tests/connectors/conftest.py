from tests.sandbox.support import make_connector, sandbox  # noqa: F401 - fixtures
