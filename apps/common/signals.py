"""Celery signal handlers (documented in docs/signals.md): beat's heartbeat.

The beat process has no task of its own to run, so it stamps its heartbeat whenever it publishes.
"""

from celery.signals import beat_init, before_task_publish

from apps.common import heartbeat

_in_beat = False


@beat_init.connect
def _mark_beat(**kwargs) -> None:
    global _in_beat  # noqa: PLW0603 - process-wide role flag set once at beat start
    _in_beat = True
    heartbeat.stamp("beat")


@before_task_publish.connect
def _beat_published(**kwargs) -> None:
    if _in_beat:
        heartbeat.stamp("beat")
