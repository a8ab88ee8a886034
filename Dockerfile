# syntax=docker/dockerfile:1
# One image for every tweetpulse process: the four workers (`tweetpulse worker <name>`), the
# embedded pipeline (`tweetpulse run`) and, with `--entrypoint celery`, the summarize Celery worker
# and beat. docker-compose.yml and deploy/k8s run it; settings come from TWEETPULSE_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The word cloud draws Chinese: without a CJK font every label is a row of boxes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY shared ./shared
COPY services ./services
# A plain (not editable) install, then the sources go: nothing in the working directory can
# shadow the installed package.
RUN pip install . && rm -rf /src

# /site is created here, owned by the runtime user, so a fresh named volume mounted on it is
# writable (Docker copies the directory's ownership into an empty volume).
RUN groupadd --system --gid 10001 tweetpulse \
    && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --shell /usr/sbin/nologin tweetpulse \
    && mkdir -p /site /data \
    && chown tweetpulse:tweetpulse /site

# The root filesystem may be read-only (Kubernetes): every cache goes to /tmp, which is a volume.
ENV HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /tmp
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["tweetpulse"]
CMD ["--help"]
