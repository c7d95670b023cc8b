"""Django settings of the benchmark's Django REST Framework anchor.

The anchor serves the service's verification retrieve and list from the same
PostgreSQL tables (unmanaged models), as a Waldur-style DRF stack does: token
authentication, a ModelSerializer, django-filter, OrderingFilter and page
number pagination with the count in X-Result-Count and a Link header.
cmd/benchhttp starts it with gunicorn; the database comes from DRF_DB_*.
"""
import os

SECRET_KEY = "benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "urls"
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "django_filters",
    "anchor",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ["DRF_DB_HOST"],
        "PORT": os.environ["DRF_DB_PORT"],
        "NAME": os.environ["DRF_DB_NAME"],
        "USER": os.environ["DRF_DB_USER"],
        "PASSWORD": os.environ.get("DRF_DB_PASSWORD", ""),
        # Persistent connections, as a production deployment keeps them.
        "CONN_MAX_AGE": 600,
        "OPTIONS": {"options": "-c search_path=" + os.environ["DRF_DB_SEARCH_PATH"]},
    }
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["anchor.api.HashedTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "anchor.api.LinkHeaderPagination",
    "PAGE_SIZE": 10,
    "UNAUTHENTICATED_USER": None,
}
LOGGING_CONFIG = None
