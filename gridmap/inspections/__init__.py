"""Unannounced inspections (暗访): sample places, route team-days, print and export the plan.

sampling draws weighted stops from a stored seed; travel estimates driving between points;
routing solves the team-day routes with PyVRP; inputs holds the request and settings; compose
builds a plan and layout lays out its team-days; plan stores it and keeps it secret; exports and
map turn it into files and a map.
"""
