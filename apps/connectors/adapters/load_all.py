"""Import every built-in adapter module so that each registers itself."""
