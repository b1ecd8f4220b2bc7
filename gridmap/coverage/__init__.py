"""Who is uncovered: the coverage report, unit figures and worker staffing."""
