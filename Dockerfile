FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 STATIC_ROOT=/app/var/static
WORKDIR /app
# The whole project (.dockerignore leaves out the checkout's own state): every app the
# settings install is in the image.
COPY . .
# collectstatic and compilemessages need settings but no secret: a throwaway key for
# these steps only (the running containers must be given SECRET_KEY; they refuse to
# start without it). gettext's msgfmt compiles the translations, then leaves the image.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends gettext \
    && pip install --no-cache-dir . \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0 \
    && SECRET_KEY=collectstatic-only python manage.py compilemessages -v0 \
    && apt-get purge -y gettext && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
EXPOSE 8000
# Daphne with a listen backlog and handshake timeout for join storms (consult/asgi_server.py).
CMD ["python", "-m", "consult.asgi_server", "--host", "0.0.0.0", "--port", "8000"]
