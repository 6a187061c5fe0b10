"""Demo data for ``make run``: a roadmap process, an event and a workshop session."""
