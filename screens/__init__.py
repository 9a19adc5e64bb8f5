"""The kiosk's Kivy screens and widgets (everything that imports Kivy lives here).

Start with screens/app.py: it documents the API screens use (navigation,
cart, background work). Each customer screen is ``screens/<name>.py``
beside its ``<name>.kv`` and subclasses ``screens.base.KioskScreen``.
"""
