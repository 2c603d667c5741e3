"""gunicorn's settings for the portal: `gunicorn -c python:portal.gunicorn_conf wsgi:app`.

Each can be changed from the environment without editing this file. Long work never runs
in a web worker with a broker configured (it goes to Celery), so a request that takes
longer than the timeout is stuck and its worker is restarted.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Restart each worker after a while, so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")  # "-": standard output
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
# No query strings in the access log: they can hold search terms about customers.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
