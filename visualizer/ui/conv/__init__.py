"""The convolution explorer tab: `model.py` (the state), one file per view, `panel.py` (layout and
wiring), `worker.py` (computing off the GUI thread). `python -m visualizer.ui.conv` opens it alone."""
