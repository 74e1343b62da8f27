"""The simulation engine: turns a landscape and optimizer settings into trajectories."""
