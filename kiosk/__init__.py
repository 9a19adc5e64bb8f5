"""Store kiosk core: everything that is not UI.

Rule of the house: nothing under ``kiosk`` imports Kivy. Screens call these
services; services never call screens.
"""

__version__ = "0.1.0"
