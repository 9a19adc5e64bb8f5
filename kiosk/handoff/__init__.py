"""Cart handoff: continue the kiosk cart on the customer's phone by QR code.

* ``urls``: URL builders for Shopify, WooCommerce, a URL template and the
  central short link.
* ``qr``: the QR module matrix, its size on screen, a PNG writer.
* ``client``: posting the cart to the central service.
* ``choose``: the runtime choice between short link and local permalink.
"""

from kiosk.handoff.choose import HandoffPlan, choose_handoff
from kiosk.handoff.urls import HandoffError

__all__ = ["HandoffError", "HandoffPlan", "choose_handoff"]
