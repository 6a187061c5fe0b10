"""Project package: settings, URL routing, and (later) the asynchronous consultation domain."""
