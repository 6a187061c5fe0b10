"""Idea boards: participants post notes in columns, the facilitator moderates,
clusters and reveals them, and the room upvotes them."""
