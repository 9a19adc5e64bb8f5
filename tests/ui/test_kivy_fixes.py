"""Kivy workarounds (screens/kivy_fixes.py) on the running app: a kiosk runs for months."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import tap, wait_for, wait_frames

pytestmark = [pytest.mark.ui, pytest.mark.asyncio]


async def test_scrolling_again_and_again_leaves_no_bindings_behind(kiosk_app: Any) -> None:
    """Kivy 2.3.1's ScrollView added a bar_color binding per scroll update and removed one per burst."""
    app = kiosk_app
    await tap(app.root.sm.current_screen)
    await wait_for(lambda: app.current_screen == "home", what="home after touching attract")
    scroll = app.get_screen("home").ids.scroll

    def faded() -> bool:
        ev = scroll._bind_inactive_bar_color_ev
        return ev is None or not ev.is_triggered

    await wait_for(faded, what="the bar to fade after home was laid out")
    before = len(scroll.get_property_observers("bar_color"))
    assert before <= 1
    for _burst in range(5):
        for y in (0.3, 0.7, 0.0, 1.0):  # one scroll update per frame, as a finger drag gives
            scroll.scroll_y = y
            await wait_frames(1)
        # Half a second after the burst the bar fades and Kivy unbinds bar_color once.
        await wait_for(faded, what="the bar to fade")
    assert len(scroll.get_property_observers("bar_color")) == before
    assert scroll.scroll_y == 1.0


async def test_the_scroll_bar_dims_in_one_step_without_an_animation_of_frames(kiosk_app: Any) -> None:
    """Kivy's 0.5 s fade redrew the whole window ~30 times after every scroll (both cores, on software GL)."""
    from kivy.animation import Animation

    app = kiosk_app
    await tap(app.root.sm.current_screen)
    await wait_for(lambda: app.current_screen == "home", what="home after touching attract")
    scroll = app.get_screen("home").ids.scroll
    for attempt in range(20):
        scroll.scroll_y = 0.5 if attempt % 2 == 0 else 0.4
        await wait_frames(1)
        ev = scroll._bind_inactive_bar_color_ev
        # Within the half second after a scroll the bar shows (a frame slower
        # than that, on a loaded machine, already dimmed it: scroll again).
        if ev is not None and ev.is_triggered:
            assert list(scroll._bar_color) == list(scroll.bar_color)  # shown while scrolling
            break
    else:
        pytest.fail("every frame after a scroll took over half a second: the bar was never seen shown")

    def dimmed() -> bool:
        ev = scroll._bind_inactive_bar_color_ev
        return not ev.is_triggered

    await wait_for(dimmed, what="the bar to dim after the scroll")
    assert list(scroll._bar_color) == list(scroll.bar_inactive_color)
    assert not [a for a in Animation._instances if "_bar_color" in a.animated_properties]
    # And it follows a theme change while dimmed (accessibility mode's colours).
    scroll.bar_inactive_color = [1, 0, 0, 1]
    assert list(scroll._bar_color) == [1, 0, 0, 1]
