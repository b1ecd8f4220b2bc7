"""gridmap: grid management for county rural-revitalization bureaus."""

from pathlib import Path

#: The checkout root: static/, geodata/ and migrations/ live here (editable install).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
