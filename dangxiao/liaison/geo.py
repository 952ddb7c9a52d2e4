"""Distances on the ground (haversine), enough for "near home" within a city."""

from math import asin, cos, radians, sin, sqrt

EARTH_KM = 6371.0088


def distance_km(lat1, lon1, lat2, lon2) -> float:
    lat1, lon1, lat2, lon2 = (radians(float(x)) for x in (lat1, lon1, lat2, lon2))
    a = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * asin(sqrt(a))
