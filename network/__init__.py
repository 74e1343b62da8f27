"""A real network for the "Real network" pages: scikit-learn's handwritten digits and a small MLP.

Pure functions of numpy / JAX arrays (no ``jax.jit`` here: the engine compiles). The
parameters of a network always travel as one flat float32 vector, so the optimizer
modules written for the 2D surfaces apply to them unchanged.
"""
