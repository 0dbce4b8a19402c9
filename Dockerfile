# Production image: gunicorn behind whatever terminates TLS; PostgreSQL and Redis outside.
# DEBUG=0: the container refuses to start without SECRET_KEY and ALLOWED_HOSTS (README,
# Production). .dockerignore keeps var/, .venv/, .git/ and key files out of the context.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    DEBUG=0 \
    VAR_DIR=/app/var \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
# Point PIP_EXTRA_INDEX_URL at a CPU-only torch wheel index to keep the image small;
# without it pip takes torch==2.13.0 from the default index (a CUDA build).
ARG PIP_EXTRA_INDEX_URL=""
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic reads the settings but serves nothing: the development values will do.
RUN useradd --create-home --uid 1000 registry \
    && mkdir -p /app/var \
    && DEBUG=1 python manage.py collectstatic --noinput --verbosity 0 \
    && chown -R registry:registry /app/var
USER registry

EXPOSE 8000
# ASGI (uvicorn workers): Django, plus the MCP server's Streamable HTTP transport at /mcp.
CMD ["gunicorn", "config.asgi:application", "--worker-class", "uvicorn_worker.UvicornWorker", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
