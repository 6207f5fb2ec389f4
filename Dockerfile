# The portal's image, for every app service in docker-compose.yml: each runs one Procfile command,
# so there is no CMD here. Not built yet: the machines this was written on have no Docker daemon.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint renders certificates with Pango; gettext compiles the translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 gettext \
    && rm -rf /var/lib/apt/lists/*

# The pinned, hashed dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock

WORKDIR /app
COPY . .
# The web process serves the collected static files itself (WhiteNoise); SECRET_KEY is only
# needed for settings to load here, never used. The project's bytecode is compiled here
# because the running image never writes any (PYTHONDONTWRITEBYTECODE, and /app is not the
# portal user's): without it every process would compile about a hundred modules as it starts.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && python -m portal.translations compile \
    && python -m compileall -q manage.py portal filings \
    && useradd --system --uid 10001 --no-create-home portal \
    && mkdir -p /app/var \
    && chown portal /app/var
USER portal
EXPOSE 8000
