"""Safe by default: the secret key, TLS behind a proxy, limits shared by every process,
a lockout that cannot keep a known user out for good, and `check --deploy` clean with
the production environment documented in docs/operations.md."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import make_session, make_user

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with the settings loaded from ``env`` only
    (plus the services' addresses and PATH)."""
    base = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "consult.settings",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "STATIC_MANIFEST": "0",
        # A test worker's own key prefixes (tests/conftest.py), when it has them.
        **{k: os.environ[k] for k in ("CACHE_KEY_PREFIX", "CHANNEL_PREFIX") if k in os.environ},
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


SETUP = "import django; django.setup(); "

# The production environment of docs/operations.md ("Production settings").
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "consult.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://consult.example.org",
    "SITE_URL": "https://consult.example.org",
    "HTTPS": "true",
    "TRUSTED_PROXY_COUNT": "1",
}


def test_without_a_secret_key_the_platform_refuses_to_start_and_names_the_variable():
    result = run_python(SETUP + "print('started')")
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr
    assert "SECRET_KEY environment variable" in result.stderr


def test_a_development_machine_may_start_without_a_key_with_debug_only():
    result = run_python(
        SETUP + "from django.conf import settings; print(settings.DEBUG)", DEBUG="1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_check_deploy_prints_no_warning_with_the_documented_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            "PATH": os.environ["PATH"],
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "REDIS_URL": os.environ["REDIS_URL"],
            **PRODUCTION,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_the_production_environment_turns_on_tls_hsts_and_secure_cookies():
    code = SETUP + (
        "from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.CACHES['default']['BACKEND'])"
    )
    result = run_python(code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "True",
        "True",
        "31536000",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_the_embedded_default_keeps_its_counters_in_memory():
    result = run_python(
        SETUP + "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])",
        SECRET_KEY="k" * 50,
        REDIS_URL="",
        DATABASE_URL="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"


def test_a_count_made_in_one_process_is_seen_by_another():
    """allauth's and the API's limits live in the cache: with Redis, one count for every
    process (two app processes no longer double every limit)."""
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"shared-count-{secrets.token_hex(4)}"
    key_env = {"SECRET_KEY": settings.SECRET_KEY}
    result = run_python(
        SETUP
        + f"from django.core.cache import cache; cache.set({key!r}, 0, 60); "
        + f"[cache.incr({key!r}) for _ in range(3)]",
        **key_env,
    )
    assert result.returncode == 0, result.stderr
    assert cache.get(key) == 3
    cache.incr(key)
    again = run_python(
        SETUP + f"from django.core.cache import cache; print(cache.get({key!r}))", **key_env
    )
    assert again.stdout.strip() == "4"


@pytest.mark.django_db
def test_a_locked_out_user_gets_back_in_by_resetting_the_password(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = make_user(password="the-right-password-1")
    for _ in range(5):
        failed = client.post(
            reverse("account_login"), {"login": user.username, "password": "wrong"}
        )
        assert failed.status_code == 200 and "_auth_user_id" not in client.session

    # Locked: even the right password is refused, with a way out.
    locked = client.post(
        reverse("account_login"), {"login": user.username, "password": "the-right-password-1"}
    )
    assert "_auth_user_id" not in client.session
    assert "reset your password to log in now" in locked.content.decode()

    # Proof of the mailbox lifts the lock and logs the user in at once.
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"password1": "a-new-password-42", "password2": "a-new-password-42"}
    )
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    # And the lockout is gone for the next log-in too.
    client.logout()
    client.post(reverse("account_login"), {"login": user.username, "password": "a-new-password-42"})
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("trusted", [True, False])
def test_behind_a_tls_proxy_cookies_are_secure_and_links_say_https(client, settings, trusted):
    if trusted:
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    else:
        settings.SECURE_PROXY_SSL_HEADER = None
    settings.ALLOWED_HOSTS = ["consult.example.org"]
    proxied = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "consult.example.org"}
    session = make_session()
    joined = client.post(
        reverse("frontend:join_code", args=[session.code]),
        {"display_name": "Ana"},
        **proxied,
    )
    assert joined.status_code == 302
    cookie = joined.cookies[f"pt_{session.code}"]
    assert bool(cookie["secure"]) is trusted

    screen = client.get(reverse("frontend:screen", args=[session.code]), **proxied)
    scheme = "https" if trusted else "http"
    assert f'class="url">{scheme}://consult.example.org/j/{session.code}<' in (
        screen.content.decode()
    )


def test_the_container_image_holds_every_app_the_settings_install():
    """The Dockerfile copies the project, not a hand-kept list of apps that falls behind."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    apps = [p.rstrip("*") for p in packages["packages"]["find"]["include"]]
    copied = re.findall(r"^COPY (\S+)", dockerfile, flags=re.M)
    assert copied, dockerfile
    for app in apps:
        assert "." in copied or app in copied, f"the image leaves out {app}/"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "db.sqlite3"} <= set(ignored)


def compose_file(name: str) -> dict:
    """A compose file as data (``!override`` read as its plain value)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!override", lambda loader, node: loader.construct_sequence(node))
    return yaml.load((ROOT / name).read_text(), Loader=Loader)  # noqa: S506 - SafeLoader


def test_the_production_compose_file_needs_a_key_and_loads_no_demo_accounts():
    production = compose_file("docker-compose.yml")
    env = production["x-app-env"]
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), "no default key in production"
    assert env["HTTPS"] == "${HTTPS:-true}" and env["TRUSTED_PROXY_COUNT"] == "1"
    commands = [str(s.get("command", "")) for s in production["services"].values()]
    assert not any("load_demo" in c for c in commands)
    assert (
        "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro"
        in (production["services"]["lb"]["volumes"])
    )

    demo = compose_file("docker-compose.demo.yml")
    assert demo["services"]["demo-data"]["command"] == ["python", "manage.py", "load_demo"]
    assert demo["x-demo-env"]["HTTPS"] == "false"
    assert demo["services"]["lb"]["volumes"] == [
        "./deploy/nginx-demo.conf:/etc/nginx/conf.d/default.conf:ro"
    ]


def test_schema_and_check_commands_run_without_a_key_and_serving_ones_refuse():
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip

    checked = manage("makemigrations", "--check", "--dry-run")
    assert checked.returncode == 0, checked.stderr
    assert "No changes detected" in checked.stdout
    refused = manage("notify_worker", "--once")
    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr
