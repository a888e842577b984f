"""The Celery application. Settings come from Django settings (CELERY_* names)."""

import gc
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")

app = Celery("finsync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _preload_before_fork(**_kwargs) -> None:
    """Import what every task needs once, in the worker's main process before it forks its pool: the
    connector adapters (their modules import SSH, bank-format and HTTP libraries) and the shared TLS context.
    Imported lazily, each pool process paid ~1.5 s of CPU for them on its first chunk (py-spy during
    bench.e2e_pipeline, docs/PIPELINE.md)."""
    from apps.connectors.adapters import load_all  # noqa: F401
    from apps.connectors.adapters.http import tls_context

    tls_context()


@worker_process_init.connect
def _freeze_boot_objects(**_kwargs) -> None:
    """Move everything alive after boot (Django's apps, URL conf, Celery itself) out of the collector's reach:
    a chunk of records allocates enough to trigger full collections, which otherwise walk all of it each time
    (py-spy showed ~6% of a worker's CPU in collections attributed to allocating lines)."""
    gc.freeze()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender=None, **_kwargs) -> None:
    """Django's per-request rule for database connections, at each task's start and end (settings:
    CELERY_DB_REUSE_MAX keeps Celery from closing them all every time): a connection older than CONN_MAX_AGE,
    broken, or left outside autocommit is closed; a healthy one is reused (checked first, CONN_HEALTH_CHECKS)."""
    from django.db import close_old_connections

    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # run in the caller's process (tests, `.apply()`): its connection, maybe inside its transaction
    close_old_connections()
