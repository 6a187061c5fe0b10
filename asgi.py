"""ASGI entry point: HTTP through Django, WebSockets through the live-room consumer.

WebSockets must come from this site's own origin, scheme, host and port, or one of
CSRF_TRUSTED_ORIGINS (sessions/origin.py), and carry the Django session cookie for
facilitators.
"""

import gc
import inspect
import os
import sys
from functools import partialmethod

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from daphne.http_protocol import WebRequest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.urls import get_resolver  # noqa: E402
from twisted.web.http import Request as TwistedRequest  # noqa: E402

from sessions.lazy_user import lazy_auth_stack  # noqa: E402
from sessions.origin import SameOriginValidator  # noqa: E402
from sessions.routing import websocket_urlpatterns  # noqa: E402
from sessions.wire import WireMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WireMiddleware(
            SameOriginValidator(lazy_auth_stack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# Django keeps one cache instance per asyncio context (an asgiref Local), and every
# connection runs in its own: an open WebSocket that once touched the cache (the
# wrong-code count of sessions/join_limits.py) kept its own Redis client, pool and
# connection, about 10 KB and a Redis connection per participant, and every HTTP
# request opened a Redis connection of its own. Made here, in the context every
# connection's is copied from, one instance serves them all (Django's Redis and
# local-memory caches are safe to share between threads; closing them does nothing).
for alias in settings.CACHES:
    caches[alias]

# Import every view module now (Django would on the first request), then freeze what
# is loaded: it lives as long as the process, and frozen it is left out of the
# garbage collector's full collections, which otherwise walk it again every few
# requests (about 60 ms each on the busiest section page, 13 ms frozen:
# docs/performance.md, "Consultation pages").
get_resolver().url_patterns  # noqa: B018 - imported for its effect
gc.freeze()

# A live-room command is a handful of queries, and its database thread needs the GIL
# back after each one while the event loop holds it to write to hundreds of sockets.
# With CPython's default switch interval (5 ms) each query could wait up to that long,
# so a process carried under 100 board commands/s; at 1 ms the board benchmark's p95
# went from 1.1-1.4 s to about 0.3 s (docs/performance.md, "GIL hand-over").
sys.setswitchinterval(settings.LIVE_ROOM["SWITCH_INTERVAL_MS"] / 1000)

# Twisted, under Daphne, parses a POSTed multipart body into request.args (which Daphne
# never reads) and answers one it cannot parse, such as an empty multipart form, with a
# bare 400 before Django sees it. Django reads every body itself, and the API refuses
# an unreadable one in its error shape (docs/api.md).
if "parsePOSTFormSubmission" in inspect.signature(TwistedRequest.__init__).parameters:
    WebRequest.__init__ = partialmethod(WebRequest.__init__, parsePOSTFormSubmission=False)
