"""What a page transfers on its first load, as Chromium reports it: the bytes of every
HTTP request (compressed as sent; the WebSocket left out) and each response's encoding."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FirstLoad:
    sizes: dict[str, int] = field(default_factory=dict)  # request id -> bytes received
    urls: dict[str, str] = field(default_factory=dict)  # request id -> URL
    encodings: dict[str, str] = field(default_factory=dict)  # URL -> Content-Encoding

    def _http(self) -> dict[str, int]:
        return {i: n for i, n in self.sizes.items() if self.urls.get(i, "").startswith("http")}

    @property
    def total(self) -> int:
        return sum(self._http().values())

    @property
    def requests(self) -> int:
        return len(self._http())

    @property
    def loaded(self) -> list[str]:
        return sorted(self.urls[i] for i in self._http())

    def assert_compressed(self, *endings: str) -> None:
        """Every response whose URL ends with one of ``endings`` came gzip or br."""
        for url, encoding in self.encodings.items():
            if url.endswith(endings):
                assert encoding in {"gzip", "br"}, (url, encoding)


def record_first_load(context, page) -> FirstLoad:
    """Start recording ``page`` (of ``context``) with the browser cache off; navigate
    after this."""
    load = FirstLoad()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: load.urls.__setitem__(e["requestId"], e["request"]["url"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: load.sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.on(
        "response",
        lambda r: load.encodings.__setitem__(r.url, r.headers.get("content-encoding", "")),
    )
    return load
