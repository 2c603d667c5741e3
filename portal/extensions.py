"""Flask extensions, created unbound and initialised by the app factory."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

import billing.models  # noqa: F401  (every mapped class and the guards on them, registered once)
from billing.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are set on the routes that need them (portal/auth/rate_limits.py); the counters
# live where RATELIMIT_STORAGE_URI says (memory by default, Redis in production).
limiter = Limiter(key_func=get_remote_address)
