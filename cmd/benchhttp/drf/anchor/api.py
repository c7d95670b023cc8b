"""The anchor's authentication and pagination, in a module of their own:
DRF's settings import them while its views load."""
import hashlib

from rest_framework import exceptions, pagination
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.response import Response

from anchor.models import Token


class HashedTokenAuthentication(BaseAuthentication):
    """DRF's TokenAuthentication over the service's tokens table, which
    keeps the sha256 of each token instead of the token."""

    keyword = b"token"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        key_hash = hashlib.sha256(auth[1]).hexdigest()
        try:
            token = Token.objects.select_related("user").get(key_hash=key_hash, user__is_active=True)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class LinkHeaderPagination(pagination.PageNumberPagination):
    """Page numbers with the count in X-Result-Count and the links in a
    Link header, the body a plain list (as Waldur paginates)."""

    page_size_query_param = "page_size"
    max_page_size = 300

    def get_paginated_response(self, data):
        links = [(self.request.build_absolute_uri(), "first")]
        if self.page.has_previous():
            links.append((self.get_previous_link(), "prev"))
        if self.page.has_next():
            links.append((self.get_next_link(), "next"))
        headers = {
            "X-Result-Count": self.page.paginator.count,
            "Link": ", ".join('<%s>; rel="%s"' % link for link in links),
        }
        return Response(data, headers=headers)
