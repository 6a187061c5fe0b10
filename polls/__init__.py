"""Voting activities: single and multiple choice, scale, word cloud and ranking polls."""
