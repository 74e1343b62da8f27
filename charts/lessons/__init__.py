"""Figure builders for the lesson pages, one topic per module."""
