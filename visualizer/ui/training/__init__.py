"""The Training tool: model.py (state), one file per view, panel.py (layout and the Panel contract).

`python -m visualizer.ui.training` opens the tool on its own.
"""
