"""The Network tab: what a net sees, layer by layer, down to one convolution."""
