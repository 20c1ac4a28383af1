FROM python:3.11-slim-bookworm
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      fonts-noto-cjk fonts-hanazono fonts-dejavu-core libharfbuzz-subset0 libpango-1.0-0 \
      libpangoft2-1.0-0 libfontconfig1 poppler-utils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY core core
COPY domain domain
COPY rendering rendering
COPY services services
COPY signing signing
COPY storage storage
COPY workers workers
COPY cli cli
COPY templates templates
COPY examples examples
RUN pip install --no-cache-dir -e .
ENV AZX_DATA_DIR=/data AZX_HOST=0.0.0.0 AZX_PORT=8000
RUN mkdir -p /data && chown nobody /data
VOLUME /data
EXPOSE 8000
USER nobody
CMD ["azx", "serve"]
