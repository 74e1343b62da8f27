"""Plotly figure builders: trajectories in, plain figure dicts (typed float32 arrays) out."""
