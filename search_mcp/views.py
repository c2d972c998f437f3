"""Product images for the local catalog, drawn on request and cached by browsers and CDNs."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from search_mcp.images import VIEWS, render_product_svg
from search_mcp.models import Product

SVG_CONTENT_TYPE = "image/svg+xml"
IMAGE_MAX_AGE_SECONDS = 24 * 3600
# An SVG opened on its own is a document: it may style itself, and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@require_safe
def product_image(request: HttpRequest, tcin: str) -> HttpResponse:
    """`/catalog/images/<tcin>.svg[?view=2|3]`: one of three drawings of a local catalog product."""
    view = request.GET.get("view", "1")
    if not view.isdigit() or int(view) not in VIEWS:
        raise Http404("No such view: use view=1, 2 or 3.")
    product = get_object_or_404(Product, tcin=tcin)
    svg = render_product_svg(product.art(), int(view))
    etag = quote_etag(hashlib.sha256(svg.encode()).hexdigest()[:32])
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(svg, content_type=SVG_CONTENT_TYPE)
        response["Content-Security-Policy"] = SVG_CSP
    response["ETag"] = etag
    # Not immutable: an admin edit to the title or department redraws the image under the same URL.
    patch_cache_control(response, public=True, max_age=IMAGE_MAX_AGE_SECONDS)
    return response
