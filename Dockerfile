FROM python:3.11-slim
# PyICU (ICU transliteration for name matching) builds from source against the system ICU.
RUN apt-get update && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
RUN pip install --no-cache-dir .
USER nobody
