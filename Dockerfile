# One Dockerfile for every Switchboard service and the console, built once per service:
#   docker build --build-arg SERVICE=ingest -t switchboard/ingest:0.1.0 .
#   docker run switchboard/ingest            # serve
#   docker run switchboard/ingest migrate    # run its migrations
FROM python:3.11-slim

ARG SERVICE=ingest
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SB_SERVICE=${SERVICE} SB_VAR_DIR=/tmp/var
WORKDIR /app
COPY libs/ libs/
COPY services/ services/
COPY deploy/docker/entrypoint.sh /usr/local/bin/switchboard-entrypoint
RUN pip install ./libs/common ./services/ingest ./services/profile ./services/routing \
        ./services/campaign ./services/qa ./services/console \
    && useradd --system --uid 10001 --home-dir /app switchboard

USER 10001
EXPOSE 8100 8101 8102 8103 8104 8105
ENTRYPOINT ["switchboard-entrypoint"]
CMD ["serve"]
