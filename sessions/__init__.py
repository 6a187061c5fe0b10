"""Events, live sessions, participants, the room protocol and realtime fan-out.

The app label is ``live``: ``sessions`` is taken by ``django.contrib.sessions``.
"""
