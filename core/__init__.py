"""Small shared types used by landscapes, optimizers and the engine alike."""
