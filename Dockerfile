FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 STATIC_ROOT=/app/var/static
WORKDIR /app
COPY pyproject.toml README.md ./
COPY consult consult
COPY sessions sessions
COPY polls polls
COPY boards boards
COPY qna qna
COPY frontend frontend
COPY demo demo
COPY asgi.py manage.py ./
RUN pip install --no-cache-dir . && python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "asgi:application"]
