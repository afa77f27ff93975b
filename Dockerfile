# syntax=docker/dockerfile:1
# One image for every Plenary service; its command picks the service:
#   docker run plenary run gateway|registration|sessions|expo|notifications|networking
#   docker run plenary migrate   /   docker run plenary declare
# Release builds pin the base images by digest (PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:...,
# NODE_IMAGE=node:20-bookworm-slim@sha256:...).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# The web app: the pinned npm packages (package-lock.json), type-checked and built, with
# the API reference page (/docs). No source maps (vite.config.ts); node stays here.
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build && test -f dist/index.html && test -f dist/docs/index.html \
    && test -z "$(find dist -name '*.map')"

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/plenary
WORKDIR /src
COPY pyproject.toml requirements.lock ./
COPY plumbing plumbing
COPY services services
COPY gateway gateway
# Runtime dependencies only, at the versions in the lock: the dev tools stay out.
# pip compiles the bytecode here, as the root filesystem is read-only at run time.
RUN /opt/plenary/bin/pip install --no-cache-dir --constraint requirements.lock .

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/plenary/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin plenary
COPY --from=build /opt/plenary /opt/plenary
# the gateway serves the app, /assets and /docs from here (gateway/web.py)
COPY --from=web /web/dist /opt/plenary/web
ENV WEB_DIST_DIR=/opt/plenary/web
WORKDIR /tmp
# numeric, so Kubernetes' runAsNonRoot can verify it
USER 10001:10001
# ops ports: gateway 8000 (also the API), registration 8001, sessions 8002, expo 8003,
# notifications 8004, networking 8005
EXPOSE 8000 8001 8002 8003 8004 8005
# nameko stops its entrypoints on SIGTERM and waits for running workers (python is PID 1
# and handles SIGTERM itself). With GATEWAY_PROCESSES=N the gateway's PID 1 is a small
# supervisor (plumbing/supervisor.py): it starts N processes on port 8000, restarts one
# that dies, reaps them, and passes SIGTERM on to all of them.
ENTRYPOINT ["plenary"]
CMD ["run", "gateway"]
