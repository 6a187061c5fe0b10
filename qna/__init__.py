"""Q&A: participants ask questions and upvote each other's; the facilitator moderates
and puts one on the projector."""
