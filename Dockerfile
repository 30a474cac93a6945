FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY registry ./registry
COPY manage.py ./
RUN pip install --no-cache-dir . \
 && DEBUG=1 python manage.py collectstatic --noinput
RUN useradd --system registry
USER registry
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
