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
