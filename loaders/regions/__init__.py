"""Regions of China and a brand's own territories, and which region a point lies in.

Provinces and prefecture-level cities come with their GB/T 2260 administrative codes
(adcodes) and seat coordinates from the offline tables of the ``cpca`` package; custom
territories come from GeoJSON polygons.
"""

from loaders.regions.china import china_regions
from loaders.regions.lookup import RegionIndex, region_of_point
from loaders.regions.territories import load_territories

__all__ = [
    "RegionIndex",
    "china_regions",
    "load_territories",
    "region_of_point",
]
