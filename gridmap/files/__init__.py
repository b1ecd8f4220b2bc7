"""File readers and writers: grids, households, workers and the bureau's tables."""
