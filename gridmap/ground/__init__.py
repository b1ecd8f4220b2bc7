"""The ground a county's grid lies on, from OpenStreetMap: roads, water, places, buildings."""
