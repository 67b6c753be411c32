"""ConvViz: a desktop app for teaching and learning convolutional neural networks."""

__version__ = "0.1.0"
