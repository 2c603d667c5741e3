"""Celery's settings come from the portal's: what makes a dead worker's task go to another,
and beat's timetable, which is the README's cron schedule."""

from __future__ import annotations

from celery.schedules import crontab

from portal.config import BEAT_SCHEDULE, load_settings
from portal.jobs import JOBS
from portal.tasks import celery_settings


def test_tasks_are_acknowledged_once_done_and_one_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "300")
    settings = celery_settings(load_settings(tmp_path))
    assert settings["broker_url"] == "redis://127.0.0.1:6379/3"
    assert settings["task_acks_late"] and settings["task_reject_on_worker_lost"]
    assert settings["worker_prefetch_multiplier"] == 1
    assert settings["accept_content"] == ["json"] and settings["task_serializer"] == "json"
    assert settings["broker_transport_options"] == {
        "visibility_timeout": 300, "unacked_restore_throttle": 1,
        "unacked_restore_interval": 10}  # a tenth of 300 s is 30 s, at most 10 s


def test_by_default_a_task_is_stopped_before_the_broker_hands_it_to_another(tmp_path,
                                                                          monkeypatch):
    monkeypatch.delenv("CELERY_VISIBILITY_TIMEOUT", raising=False)
    monkeypatch.delenv("CELERY_TASK_TIME_LIMIT", raising=False)
    settings = celery_settings(load_settings(tmp_path))
    assert (settings["task_soft_time_limit"], settings["task_time_limit"]) == (510, 540)
    assert settings["broker_transport_options"]["visibility_timeout"] == 600


def test_without_a_broker_nothing_is_sent_anywhere(tmp_path, monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    settings = load_settings(tmp_path)
    assert settings["CELERY_BROKER_URL"] is None
    assert celery_settings(settings)["broker_url"] == "memory://"


def test_beat_runs_the_readme_schedule_and_every_entry_is_a_job(tmp_path):
    schedule = celery_settings(load_settings(tmp_path))["beat_schedule"]
    assert set(schedule) == set(BEAT_SCHEDULE) <= set(JOBS)
    assert schedule["mail.deliver"]["schedule"] == crontab()  # every minute
    assert schedule["disputes.escalate"]["schedule"] == crontab(minute="*/5")
    assert schedule["payments.sync"]["schedule"] == crontab(minute="*/10")
    assert schedule["audit.verify"]["schedule"] == crontab(minute="30", hour="3")
    assert schedule["collections.run"]["schedule"] == crontab(minute="15", hour="13")
