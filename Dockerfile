# celebbot: a lean image of the Discord bot. How to run and operate it: README.md, "Operating it".
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# Build stage: wheels, then a virtual environment from those wheels only, and the seed knowledge.
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY docker/install.sh /usr/local/bin/celebbot-install
RUN celebbot-install build /src /wheels \
    && celebbot-install install /wheels /opt/celebbot \
    && celebbot-install seed /opt/celebbot /knowledge

# Run stage: the environment and the knowledge, nothing of the build.
FROM ${PYTHON_IMAGE}
COPY --from=build /opt/celebbot /opt/celebbot
COPY --from=build /knowledge /knowledge
RUN groupadd --system --gid 10001 celebbot \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin celebbot \
    && mkdir -p /data \
    && chown -R celebbot:celebbot /data /knowledge
ENV PATH=/opt/celebbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CELEBBOT_DATA=/data \
    CELEBBOT_KNOWLEDGE=/knowledge \
    CELEBBOT_METRICS_HOST=0.0.0.0
USER 10001:10001
WORKDIR /data
# The shipped knowledge is the default: a new named volume starts as a copy of /knowledge.
VOLUME ["/data", "/knowledge"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["celebbot", "health"]
CMD ["celebbot", "run"]
