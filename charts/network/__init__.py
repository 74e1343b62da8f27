"""Figures of the "Real network" pages."""
