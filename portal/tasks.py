"""Celery bound to the Flask app, and the one way pages and jobs start background work.

`celery_init_app(app)` (called by `create_app`) makes every job of `portal.jobs` a Celery
task of the same name whose body runs inside an app context, as Flask's "Celery with the
application factory" pattern does; `portal.worker` builds the app for `celery -A
portal.worker worker` and `... beat`. A worker that dies mid-task loses nothing: tasks
are acknowledged only once done (`task_acks_late`), also when the process running one
is killed (`task_reject_on_worker_lost`), so the broker hands an unfinished task to
another worker (on Redis after CELERY_VISIBILITY_TIMEOUT), and each job is idempotent.

`enqueue(name, **kwargs)` starts a job: with CELERY_BROKER_URL set, it sends the task
to the workers; unset (the embedded default), it runs the job in a thread of this
process, so `make run` needs no Redis. `fan_out` starts many at once, for the slices
of an invoice run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app

from portal import jobs
from portal.extensions import db


def celery_init_app(app: Flask) -> Celery:
    """A Celery app configured from the Flask app's settings, with every job a task."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.conf.update(celery_settings(app.config))
    for name, function in jobs.JOBS.items():
        celery_app.task(name=name)(function)
    app.extensions["celery"] = celery_app
    return celery_app


def celery_settings(config: Mapping) -> dict:
    """Celery's settings from the portal's (README, "Workers")."""
    backend, limit = config["CELERY_RESULT_BACKEND"], config["CELERY_TASK_TIME_LIMIT"]
    visibility = config["CELERY_VISIBILITY_TIMEOUT"]
    # A dead worker's unacknowledged task goes back on the queue once it is older than
    # the visibility timeout; look for such tasks every tenth of it (at most every 10 s).
    transport = {"visibility_timeout": visibility, "unacked_restore_throttle": 1,
                 "unacked_restore_interval": min(10, max(1, visibility // 10))}
    if config["CELERY_KEY_PREFIX"]:  # several portals (or test runs) on one Redis
        transport["global_keyprefix"] = config["CELERY_KEY_PREFIX"]
    return {
        # Without a broker nothing is sent: enqueue runs jobs here instead.
        "broker_url": config["CELERY_BROKER_URL"] or "memory://",
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "result_backend": backend,
        "task_ignore_result": backend is None,  # progress and results are on run records
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,  # a worker holds only the task it is running
        "task_time_limit": limit,
        "task_soft_time_limit": max(limit - 30, 1),
        "timezone": "UTC",
        "beat_schedule": beat_schedule(config["CELERY_BEAT_SCHEDULE"]),
    }


def beat_schedule(entries: Mapping[str, str]) -> dict:
    """Celery beat's entries from task name -> cron fields ("*/5 * * * *", in UTC)."""
    schedule = {}
    for name, fields in entries.items():
        minute, hour, day, month, weekday = fields.split()
        schedule[name] = {"task": name, "schedule": crontab(
            minute=minute, hour=hour, day_of_month=day, month_of_year=month,
            day_of_week=weekday)}
    return schedule


def uses_workers() -> bool:
    """Whether jobs go to Celery workers (a broker is configured) or run in-process."""
    return bool(current_app.config["CELERY_BROKER_URL"])


def enqueue(name: str, **kwargs) -> None:
    """Start the job `name` and return at once: on a worker, or in a thread here."""
    if name not in jobs.JOBS:
        raise KeyError(f"no such job: {name}")
    if uses_workers():
        current_app.extensions["celery"].send_task(name, kwargs=kwargs)
    else:
        jobs.start_in_background(name, lambda: jobs.JOBS[name](**kwargs))


def fan_out(name: str, calls: Iterable[dict]) -> None:
    """Run the job `name` once per keyword set: sent to the workers all at once, who share
    them out; in-process, one after the other in the caller's thread (one SQLite writer)."""
    if uses_workers():
        celery_app = current_app.extensions["celery"]
        for kwargs in calls:
            celery_app.send_task(name, kwargs=kwargs)
        return
    for kwargs in calls:
        jobs.JOBS[name](**kwargs)
