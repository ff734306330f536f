# tg-parser: one image for every role (`serve`, `worker`, `db upgrade`, any command).
#   docker build -t tg-parser:0.1.0 .
# Stage 1 builds the wheel from the sources; stage 2 installs only that wheel on a slim
# Python and runs as an unprivileged user. Base images are pinned: bump them on purpose.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN pip install "build==1.2.2.post1"
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m build --wheel --outdir /dist

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 tg \
    && useradd --system --uid 10001 --gid tg --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin tg \
    && mkdir -p /data/exports /data/uploads \
    && chown -R tg:tg /data
COPY --from=builder /dist/*.whl /tmp/wheels/
RUN pip install /tmp/wheels/*.whl && rm -rf /tmp/wheels

# where a container keeps its files: mount a volume here (compose.yaml does)
WORKDIR /data
ENV API_HOST=0.0.0.0 \
    API_PORT=8000 \
    API_EXPORT_DIR=/data/exports \
    API_UPLOAD_DIR=/data/uploads \
    TELEGRAM_SESSION_FILE=/data/tg_parser.session \
    LOG_FORMAT=json \
    LOG_LEVEL=INFO
USER tg:tg
EXPOSE 8000

# ready = the database answers at the newest schema (slim has no curl: Python asks)
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('API_PORT', '8000') + '/health/ready', timeout=8)"]

ENTRYPOINT ["tg-parser"]
CMD ["serve"]
