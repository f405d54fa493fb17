# syntax=docker/dockerfile:1
# Build stage: resolve and build wheels with the exact versions of constraints.txt.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml constraints.txt README.md ./
COPY domain ./domain
COPY service ./service
COPY api ./api
COPY migrations ./migrations
RUN python -m venv /opt/okr \
 && /opt/okr/bin/pip install --upgrade pip \
 && /opt/okr/bin/pip install -c constraints.txt .

# Runtime stage: the virtualenv only, run as an unprivileged user.
FROM python:3.11-slim
RUN groupadd --system okr && useradd --system --gid okr --home-dir /app --create-home okr
COPY --from=build /opt/okr /opt/okr
ENV PATH="/opt/okr/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    OKR_ENVIRONMENT=production \
    OKR_HOST=0.0.0.0 \
    OKR_PORT=8000 \
    OKR_DATA_DIR=/app/data
WORKDIR /app
USER okr
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# Production mode: DATABASE_URL and real keys are required (see the README). Run
# `docker run ... okr migrate` once per release before starting the new version.
CMD ["okr", "serve"]
