"""Computations behind the lesson pages: pure functions of plain inputs, one topic per module."""
