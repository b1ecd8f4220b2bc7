"""Unannounced inspections (暗访): sample places, route team-days, print and export the plan.

sampling draws weighted stops from a stored seed; travel estimates driving between points;
routing solves the team-day routes with PyVRP; compose lays a plan out; plan stores it and
keeps it secret; exports and map turn it into files and a map.
"""
