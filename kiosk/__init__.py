"""ipas-kiosk: a terminal kiosk for iPAS certification candidates."""

__version__ = "0.1.0"
