"""Import every built-in adapter module so that each registers itself."""

from . import bank, coupa, drop_folder, json_poller, kyriba, sap_s4  # noqa: F401
