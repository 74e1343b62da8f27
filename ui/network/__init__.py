"""Scenarios and builders of the "Real network" pages."""
