FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 STATIC_ROOT=/app/var/static
WORKDIR /app
# The whole project (.dockerignore leaves out the checkout's own state): every app the
# settings install is in the image.
COPY . .
# collectstatic needs settings but no secret: a throwaway key for this step only (the
# running containers must be given SECRET_KEY; they refuse to start without it).
RUN pip install --no-cache-dir . \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "asgi:application"]
