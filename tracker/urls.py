"""Canonical URLs and the outlet a URL belongs to."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tracker.errors import BadInput

if TYPE_CHECKING:
    import tldextract

__all__ = ["canonical_url", "is_http_url", "outlet_domain", "parse_http_url", "scheme_variant"]

# Query parameters that only track the reader (campaign, click and share ids); they never select
# different content, so they are dropped from an article's identity. Everything else is kept:
# `cid`, `id`, `source`, `ref`, `output`, `share` select the article on many sites.
# courlan's tracker pattern is not used here because it also matches such keys (`cid` through
# `cl?id`, `ref`, `source`, `session`, `uid`), which merges different articles into one.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "igshid",
        "igsh",
        "yclid",
        "ysclid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "__twitter_impression",
        "ref_src",
        "ref_url",
        "s_cid",
        "at_medium",
        "at_campaign",
        "smid",
        "cmpid",
        "ocid",
        "ncid",
        "icid",
        "spm",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "wt_")
# Host prefixes that name a variant of the same site, not another outlet.
_VARIANT_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")
# Path shapes of AMP variants: /amp/..., /.../amp, /.../amp.html
_AMP_SUFFIXES = ("/amp", "/amp/", ".amp", ".amp.html")


# Publishing platforms that give each publication its own subdomain but are not (yet) in the
# public suffix list's private section; there, `alice.substack.com` and `bob.substack.com` are
# two outlets, as `alice.blogspot.com` and `bob.blogspot.com` already are through the list.
_PLATFORM_SUFFIXES = (
    "substack.com",
    "wordpress.com",
    "medium.com",
    "tumblr.com",
    "ghost.io",
    "beehiiv.com",
    "typepad.com",
    "livejournal.com",
)


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # The public-suffix snapshot shipped inside tldextract, private section included (hosting
    # platforms such as blogspot.com, github.io): nothing at run time reaches the network.
    # Imported here: loading the list costs a tenth of a second that `tracker status` would pay.
    import tldextract

    return tldextract.TLDExtract(
        suffix_list_urls=(),
        cache_dir=None,
        include_psl_private_domains=True,
        extra_suffixes=_PLATFORM_SUFFIXES,
    )


def parse_http_url(url: str) -> str:
    """Return `url` stripped of whitespace if it is an absolute http(s) URL with a host."""
    candidate = url.strip()
    parts = urlsplit(candidate)
    if parts.scheme.lower() not in {"http", "https"}:
        raise BadInput(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise BadInput(f"URL has no host: {url!r}")
    try:
        _ = parts.port
    except ValueError:
        raise BadInput(f"URL has an invalid port: {url!r}") from None
    return candidate


def is_http_url(url: str) -> bool:
    """True when `url` is an absolute http(s) URL with a host."""
    try:
        parse_http_url(url)
    except BadInput:
        return False
    return True


def _strip_host_variant(host: str) -> str:
    for prefix in _VARIANT_HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def _strip_amp(path: str) -> str:
    if path.startswith("/amp/"):
        path = path[4:]
    for suffix in _AMP_SUFFIXES:
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)]
            if suffix == ".amp.html":
                path += ".html"
            break
    return path


def canonical_url(url: str) -> str:
    """The form under which one article is stored, whatever link led to it.

    Lower-cases scheme and host, drops the default port, `www.`/`m.`/`amp.` host prefixes, AMP
    path variants, tracking parameters and the fragment, sorts the remaining query, and
    normalises percent-encoding (w3lib). The scheme is kept as served: the store registers the
    other scheme's form as an alias (`scheme_variant`), so both lead to one article.
    """
    parts = urlsplit(parse_http_url(url))
    host = _strip_host_variant((parts.hostname or "").lower().rstrip("."))
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port in (None, 80, 443) else f"[{host}]:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in _TRACKING_PARAMS and not key.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = _strip_amp(parts.path or "/")
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    rebuilt = urlunsplit((parts.scheme.lower(), netloc, path, urlencode(query), ""))
    from w3lib.url import canonicalize_url  # here: w3lib imports urllib.request (http, email)

    return canonicalize_url(rebuilt, keep_fragments=False)


def scheme_variant(url: str) -> str:
    """The same canonical URL under the other scheme (http <-> https)."""
    if url.startswith("https://"):
        return "http://" + url[len("https://") :]
    if url.startswith("http://"):
        return "https://" + url[len("http://") :]
    return url


def outlet_domain(url: str) -> str:
    """The registered domain of a URL's host (news.example.co.uk -> example.co.uk).

    Hosting platforms count as suffixes (public suffix list, private section), so each
    publication on one is its own outlet: alice.substack.com, bob.blogspot.com.

    Hosts outside the public-suffix list (such as `ledger.test`, or an IP address) are kept
    whole, minus a `www.`-style variant prefix.
    """
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    if not host:
        raise BadInput(f"URL has no host: {url!r}")
    parts = _extractor()(host)
    if parts.domain and parts.suffix:
        return _strip_host_variant(f"{parts.domain}.{parts.suffix}")  # www.substack.com
    return _strip_host_variant(host)
