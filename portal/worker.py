"""The Celery entry point: `celery -A portal.worker worker` and `celery -A portal.worker beat`.

It builds the Flask app from the environment, as `wsgi.py` does for the web, so a
worker reads the same settings (DATABASE_URL, CELERY_BROKER_URL, ...) and runs each task
inside that app's context.
"""

from portal import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
