"""ASGI entry point: HTTP through Django, WebSockets through the live-room consumer.

WebSockets must come from an allowed Origin (ALLOWED_HOSTS) and carry the Django
session cookie for facilitators.
"""

import gc
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from sessions.realtime import WireMiddleware  # noqa: E402
from sessions.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WireMiddleware(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

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
