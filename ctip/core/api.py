"""The `core` part of `/api/v1/`: organisations, and the permissions every API view shares.

Views are thin: they parse input, call a selector or service, and serialise. Scoping is the
selectors' job (`organisations_visible_to`); anything out of scope answers 404.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, serializers, viewsets

from ctip.core.models import Organisation, OrganisationKind, ProviderType
from ctip.core.selectors import organisations_visible_to, user_can_read_pii, user_needs_two_factor


class TwoFactorVerified(permissions.BasePermission):
    """Users whose role needs two-factor authentication must come with a verified session.

    A bearer token counts as verified (it is issued to an operator, see `api_auth`); a session
    that logged in with a password but never passed TOTP is refused.
    """

    message = _("Two-factor verification is required: complete it in the web interface first.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user_needs_two_factor(user):
            return True
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())


class CanWriteRecords(permissions.BasePermission):
    """Reads for everyone the scoping lets through; writes only for roles that read PII.

    Decided on the role alone, before any lookup, so a refusal says nothing about whether a
    record exists.
    """

    message = _("Your role may read these records but not change them.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return user_can_read_pii(request.user)


API_PERMISSIONS = [permissions.IsAuthenticated, TwoFactorVerified]


class HashedTokenScheme(OpenApiAuthenticationExtension):
    """Describes `ctip.core.api_auth.HashedTokenAuthentication` in the OpenAPI schema."""

    target_class = "ctip.core.api_auth.HashedTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 (the scheme keyword, not a secret)
        )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why the request was refused.")


FIELD_ERRORS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Invalid input: an object mapping each field (or `non_field_errors`) to a list "
    "of messages.",
)


def api_responses(ok, ok_status: int = 200, *, bad_request: bool = True) -> dict:
    """The documented responses of an endpoint: its success, and the refusals every one shares.

    401 without credentials, 403 for a session without two-factor or a role that may not write,
    404 for anything out of scope (or a page past the end).
    """
    responses = {
        ok_status: ok,
        401: OpenApiResponse(ErrorSerializer, description="Not authenticated."),
        403: OpenApiResponse(ErrorSerializer, description="Two-factor missing, or not allowed."),
        404: OpenApiResponse(ErrorSerializer, description="Not found (or out of your scope)."),
    }
    if bad_request:
        responses[400] = FIELD_ERRORS
    return responses


class OrganisationSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the parent node."
    )
    provider_type = serializers.ChoiceField(
        choices=ProviderType.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Organisation
        fields = ["code", "name", "kind", "parent", "provider_type", "country"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="Organisations in your subtree",
        parameters=[
            OpenApiParameter(
                "kind", str, enum=OrganisationKind.values, description="Only this kind of node."
            )
        ],
        responses=api_responses(OrganisationSerializer(many=True)),
    ),
    retrieve=extend_schema(
        summary="One organisation of your subtree",
        responses=api_responses(OrganisationSerializer, bad_request=False),
    ),
)
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisation tree, cut to the asking user's node and what lies below it."""

    serializer_class = OrganisationSerializer
    permission_classes = API_PERMISSIONS
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        queryset = organisations_visible_to(self.request.user).select_related("parent")
        kind = self.request.query_params.get("kind", "")
        if kind and kind not in OrganisationKind.values:
            raise serializers.ValidationError({"kind": [_("Unknown kind of organisation.")]})
        if kind:
            queryset = queryset.filter(kind=kind)
        return queryset.order_by("path")
