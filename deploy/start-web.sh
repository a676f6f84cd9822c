#!/bin/sh
# The web container's start: migrate, optionally load the demo or create the first staff account,
# then serve with gunicorn on the container network only (the proxy publishes the site).
set -eu

python manage.py migrate --noinput
python manage.py createcachetable

# The demo (sample session, staff@copolad.local with a known password) only on request.
if [ "${DEMO:-0}" = "1" ]; then
    python manage.py load_demo
fi

# The first staff account, once: an existing account is never changed.
if [ -n "${STAFF_EMAIL:-}" ]; then
    python manage.py create_staff --email "$STAFF_EMAIL" --if-missing
fi

exec gunicorn copolad_wg.wsgi \
    --bind 0.0.0.0:8000 \
    --workers "${GUNICORN_WORKERS:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --graceful-timeout 20
