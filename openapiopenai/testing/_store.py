"""Generated images behind expiring, signed URLs, like the API's blob-storage links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Callable, Literal, Union

__all__ = ["ImageStore", "StoredImage"]


@dataclass(frozen=True)
class StoredImage:
    """One image that may be fetched until ``expires_at`` (server clock)."""

    image_id: str
    png: bytes
    expires_at: float


Lookup = Union[StoredImage, Literal["missing", "expired", "forbidden"]]


class ImageStore:
    """Thread-safe map of image ids to PNG bytes, with a TTL and HMAC-signed links."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._clock = clock
        self._secret = secrets.token_bytes(16)
        self._images: dict[str, StoredImage] = {}
        self._expired: set[str] = set()
        self._lock = threading.Lock()

    def put(self, png: bytes) -> StoredImage:
        """Store ``png`` under a fresh id, valid for the TTL from now."""
        image = StoredImage(f"img-{secrets.token_hex(12)}", png, self._clock() + self._ttl)
        with self._lock:
            self._images[image.image_id] = image
        return image

    def signature(self, image_id: str, expiry: str) -> str:
        """The ``sig`` query value that authorises fetching ``image_id`` until ``expiry``."""
        message = f"{image_id}\n{expiry}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def get(self, image_id: str, expiry: str, signature: str | None) -> Lookup:
        """The image, or why it cannot be served.

        ``"missing"``: no signature (an anonymous request) or an unknown id;
        ``"forbidden"``: a signature that does not match; ``"expired"``: past its TTL.
        """
        if signature is None:
            return "missing"
        if not hmac.compare_digest(signature, self.signature(image_id, expiry)):
            return "forbidden"
        with self._lock:
            image = self._images.get(image_id)
            if image is None:
                return "expired" if image_id in self._expired else "missing"
            if self._clock() >= image.expires_at:
                del self._images[image_id]  # free the bytes, remember the id
                self._expired.add(image_id)
                return "expired"
            return image
