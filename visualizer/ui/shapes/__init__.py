"""The Shapes tool: `model.py` (ShapesModel, the state), one file per view, `panel.py` (ShapesPanel).

Run it alone with `python -m visualizer.ui.shapes [PRESET | FILE.json] [--check]`.
"""
