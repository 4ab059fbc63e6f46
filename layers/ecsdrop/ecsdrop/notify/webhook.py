"""POST a JSON body to a webhook with the standard library (no dependency for the layer).

The adapter decides nothing: it returns whatever status the server answered, or raises
WebhookUnreachable when no answer came. Retrying is ``delivery``'s business. Redirects are
not followed: urllib would turn a redirected POST into a GET without the body.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import IO, Any

from ecsdrop.errors import WebhookUnreachable

USER_AGENT = "ecsdrop-notifier"
# enough of an error body to say why (Slack answers "invalid_blocks", Discord a JSON error)
BODY_SNIPPET_BYTES = 300


@dataclass(frozen=True)
class HttpReply:
    status: int
    retry_after: str | None = None
    body: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


def post_json(url: str, body: bytes, timeout: float) -> HttpReply:
    request = urllib.request.Request(  # noqa: S310 -- the URL's scheme is checked on load
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
    )
    opener = urllib.request.build_opener(_NoRedirects())
    try:
        with opener.open(request, timeout=timeout) as response:
            return _reply(response.status, response.headers, response)
    except urllib.error.HTTPError as e:
        with e:
            return _reply(e.code, e.headers, e)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        raise WebhookUnreachable(_reason(e)) from e


def _reply(status: int, headers: Any, stream: IO[bytes]) -> HttpReply:
    try:
        snippet = stream.read(BODY_SNIPPET_BYTES).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):
        snippet = ""  # the status is what matters; a body cut short changes nothing
    retry_after = headers.get("Retry-After") if headers is not None else None
    return HttpReply(status=status, retry_after=retry_after, body=snippet.strip())


def _reason(error: BaseException) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
