from django.utils import timezone
from rest_framework import authentication, exceptions

from ctip.core.models import ApiToken


class HashedTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer ctip_…`; the key is compared by its SHA-256 only."""

    keyword = "Bearer"

    def authenticate(self, request):
        from ctip.core.services import token_hash

        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] not in (self.keyword, "Token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        token = (
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(key_hash=token_hash(header[1]), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        # A token is issued only after two-factor login, so it counts as verified.
        token.user.is_verified = lambda: True
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
