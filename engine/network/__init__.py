"""The engine of the "Real network" pages: training the digits MLP and measuring it (see ``network/``)."""
