#!/bin/sh
# Installs the Django REST Framework anchor's Debian packages when missing
# (make bench-http runs it; apt-get needs root).
set -eu
if /usr/bin/python3 -c 'import rest_framework, django_filters, psycopg2' 2>/dev/null && [ -x /usr/bin/gunicorn ]; then
	exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-djangorestframework python3-django-filters python3-psycopg2 gunicorn >/dev/null
