# Tandem: the Slack app in HTTP or Socket Mode. Build: docker build -t tandem .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TANDEM_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY retrieval ./retrieval
COPY jobs ./jobs
RUN pip install . \
    && useradd --create-home --uid 10001 tandem \
    && mkdir -p /data && chown tandem /data

USER tandem
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:3000/healthz')" || exit 1
ENTRYPOINT ["tandem"]
CMD ["serve", "--http", "--port", "3000"]
