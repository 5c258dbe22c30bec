# botdesk: one image for `botdesk run`, `botdesk migrate` and `botdesk demo`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p botdesk core bots operators_group sandbox \
    && touch botdesk/__init__.py core/__init__.py bots/__init__.py \
             operators_group/__init__.py sandbox/__init__.py \
    && pip install -e . \
    && rm -rf botdesk core bots operators_group sandbox

COPY botdesk ./botdesk
COPY core ./core
COPY bots ./bots
COPY operators_group ./operators_group
COPY sandbox ./sandbox
COPY locales ./locales

# Compile the translations at build time; the .mo files are not kept in git.
RUN pybabel compile --statistics -d locales -D messages

RUN useradd --create-home --uid 10001 botdesk \
    && mkdir -p /app/data && chown botdesk:botdesk /app/data
USER botdesk

VOLUME ["/app/data"]
# /healthz, /readyz and /metrics in every mode; the webhook too in webhook mode.
EXPOSE 8080

# The slim image has no curl: the check is a few lines of Python's standard library that
# read WEB_HOST/WEB_PORT like the desk does and ask its /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "botdesk.healthcheck"]

CMD ["sh", "-c", "botdesk migrate && exec botdesk run"]
