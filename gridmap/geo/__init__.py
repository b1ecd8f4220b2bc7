"""Geometry: coordinate systems, areas in square metres, topology checks."""
