"""ASGI entry point: HTTP through Django, WebSockets through the live-room consumer.

WebSockets must come from an allowed Origin (ALLOWED_HOSTS) and carry the Django
session cookie for facilitators.
"""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

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

# What is loaded by now lives as long as the process. Frozen, it is left out of the
# garbage collector's full collections, which otherwise walk it again every few
# requests and made the slowest tenth of the busiest pages 100 ms slower
# (docs/performance.md, "Consultation pages").
gc.freeze()
