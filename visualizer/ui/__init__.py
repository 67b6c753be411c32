"""Qt widgets that observe and drive `visualizer.core`."""
