"""Boundary edits: preview, save, history and undo of grid changes."""
