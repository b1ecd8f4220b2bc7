"""folium page builders: the grid map, unit maps, their layers and translated words."""
