"""Flask extensions, created unbound here and bound in ``lms.app.create_app``."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage is chosen in create_app: memory by default, Redis when REDIS_URL is set (shared across workers).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
