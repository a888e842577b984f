"""Settings: `base` reads the environment; `test` and `production` adjust it."""
