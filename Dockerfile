# interview-bot on Discord: one process, `python -m bot run`, as a non-root user.
# Build: docker build -t interview-bot .   Run: docker run --env-file .env interview-bot
# Several processes on one PostgreSQL: docker-compose.yml (README, "Running several processes").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot

WORKDIR /app
# the package, then the scenarios and templates it reads at run time
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY scenarios ./scenarios
COPY templates ./templates
# the package and its dependencies: asyncpg (DATABASE_URL=postgresql://...) is one of them
RUN pip install . && rm -rf build *.egg-info

ENV SCENARIOS_DIR=/app/scenarios \
    TEMPLATES_DIR=/app/templates \
    DATABASE_URL=sqlite:////data/interview-bot.db
RUN mkdir /data && chown bot:bot /data
VOLUME ["/data"]

USER bot
# discord.py stops cleanly on SIGTERM (docker stop); no shell, so the signal reaches it
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
