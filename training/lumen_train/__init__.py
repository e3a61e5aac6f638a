"""Training code for Lumen's demo model ("shapes"): data, models in diffusers layout, export."""
