"""Computation of ConvViz, free of Qt: importable and testable without a display.

Modules here import numpy, scipy and torch only. The GUI (`visualizer.ui`) and the CLI
(`visualizer.cli`) both call into this package.
"""
