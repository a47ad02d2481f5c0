"""Who is asking: the client's IP address, for per-client limits (the widget relay's chat limits,
the dashboard's sign-in limits), read the same way behind however many of our own proxies."""

from __future__ import annotations

from starlette.requests import Request


def client_address(request: Request, trusted_proxy_hops: int) -> str:
    """The client's IP address. X-Forwarded-For is believed only as far as our own proxies wrote it:
    each appends the address it saw, so with N proxies the client is the N-th entry from the end,
    and anything further left may have been sent by the client itself. Every X-Forwarded-For line
    counts, in order, as one list: HAProxy (`option forwardfor`) adds a line of its own after the
    ones it received, rather than appending to them."""
    peer = request.client.host if request.client else "unknown"
    if trusted_proxy_hops <= 0:
        return peer
    lines = ",".join(request.headers.getlist("x-forwarded-for"))
    forwarded = [part.strip() for part in lines.split(",") if part.strip()]
    if not forwarded:
        return peer
    return forwarded[-min(trusted_proxy_hops, len(forwarded))]
