FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY registry ./registry
COPY manage.py ./
# Static files are collected with the production storage (DEBUG off): hashed names and the
# staticfiles.json manifest that the running server needs (tests/test_production.py runs this).
RUN pip install --no-cache-dir . \
 && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
# The directories of previewed uploads and of open-data snapshots, volumes shared by the web
# and worker services.
RUN useradd --system registry \
 && mkdir -p /var/lib/registry/imports /var/lib/registry/open-data \
 && chown registry /var/lib/registry/imports /var/lib/registry/open-data
USER registry
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
