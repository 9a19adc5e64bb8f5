""""Need help?": the customer asked for a colleague; tell them one is coming."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from screens.overlay import Notice

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class HelpNotice(Notice):
    """Confirms the help request (recorded by ``app.request_help``)."""
