"""Import every built-in adapter module so that each registers itself."""

from . import (  # noqa: F401
    bank,
    coupa,
    drop_folder,
    json_poller,
    kyriba,
    sap_s4,
    webhook,
)
