"""The `services` part of `/api/v1/`: service episodes and referrals.

Same rules as the pages: reads start from the services selectors (out of scope is 404), reads of
a survivor's records write an audit entry, writes go through the services (which audit them) and
only roles that read PII may write. A provider's user sees the referrals sent to its
organisation, without their notes.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ctip.cases.api import RecordViewMixin, as_drf_error
from ctip.cases.models import Need
from ctip.cases.selectors import survivor_get, survivors_visible_to
from ctip.cases.services import survivor_view_record
from ctip.core.api import api_responses
from ctip.core.audit import Action, audit_write
from ctip.core.models import Organisation
from ctip.core.selectors import user_can_read_pii
from ctip.services import selectors
from ctip.services.models import (
    DiscontinuedReason,
    EpisodeStatus,
    Referral,
    ReferralEvent,
    ReferralReason,
    ReferralStatus,
    ServiceEpisode,
    ServiceType,
)
from ctip.services.services import (
    RECEIVER,
    SENDER,
    episode_close,
    episode_record,
    referral_send,
    referral_set_status,
)

# --- output -------------------------------------------------------------------------------


class EpisodeSerializer(serializers.ModelSerializer):
    survivor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    counted = serializers.BooleanField(
        source="service_type.counts_as_service",
        read_only=True,
        help_text="Whether the catalogue counts this type as a service (one-off support: no).",
    )
    provider = serializers.SlugRelatedField(slug_field="code", read_only=True)
    need = serializers.SlugRelatedField(slug_field="uuid", read_only=True, allow_null=True)
    discontinued_reason = serializers.ChoiceField(
        choices=DiscontinuedReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = ServiceEpisode
        fields = [
            "uuid",
            "survivor",
            "service_type",
            "counted",
            "provider",
            "need",
            "started_on",
            "ended_on",
            "status",
            "discontinued_reason",
            "sessions",
            "created_at",
            "modified_at",
        ]
        read_only_fields = fields


class EpisodePiiSerializer(EpisodeSerializer):
    notes = serializers.CharField(
        required=False, help_text="Notes. PII: present only for roles that may read it."
    )

    class Meta(EpisodeSerializer.Meta):
        fields = [*EpisodeSerializer.Meta.fields, "notes"]
        read_only_fields = EpisodeSerializer.Meta.fields


class ReferralEventSerializer(serializers.ModelSerializer):
    by_organisation = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    reason = serializers.ChoiceField(
        choices=ReferralReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = ReferralEvent
        fields = ["status", "on", "by_organisation", "reason"]
        read_only_fields = fields


class ReferralSerializer(serializers.ModelSerializer):
    survivor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    need = serializers.SlugRelatedField(slug_field="uuid", read_only=True, allow_null=True)
    from_organisation = serializers.SlugRelatedField(
        source="organisation",
        slug_field="code",
        read_only=True,
        help_text="Code of the referring organisation (the case owner).",
    )
    to_provider = serializers.SlugRelatedField(slug_field="code", read_only=True)
    episode = serializers.SlugRelatedField(slug_field="uuid", read_only=True, allow_null=True)
    events = ReferralEventSerializer(many=True, read_only=True)
    side = serializers.SerializerMethodField(
        help_text="`sender` when you may see the survivor's case; `receiver` for a provider."
    )
    note = serializers.CharField(
        required=False,
        help_text="Note to the provider. PII: present only for the sending side's PII roles.",
    )

    class Meta:
        model = Referral
        fields = [
            "uuid",
            "survivor",
            "service_type",
            "need",
            "from_organisation",
            "to_provider",
            "consent_on",
            "sent_on",
            "status",
            "status_on",
            "service_started_on",
            "episode",
            "events",
            "side",
            "note",
        ]
        read_only_fields = fields

    def get_side(self, referral: Referral) -> str:
        return SENDER if referral.survivor_id in self.context["sender_ids"] else RECEIVER

    def to_representation(self, referral):
        # DRF's own loop, minus the note where it may not be read: the note is never touched
        # (so never loaded nor decrypted) for the receiving side or roles without PII.
        with_note = self.context["may_read_pii"] and self.get_side(referral) == SENDER
        data = {}
        for field in self._readable_fields:
            if field.field_name == "note" and not with_note:
                continue
            attribute = field.get_attribute(referral)
            data[field.field_name] = (
                None if attribute is None else field.to_representation(attribute)
            )
        return data

    def get_fields(self):
        fields = super().get_fields()
        fields["status"] = serializers.ChoiceField(choices=ReferralStatus.choices, read_only=True)
        return fields


# --- input --------------------------------------------------------------------------------


class _Lookups(serializers.Serializer):
    def _user(self):
        return self.context["request"].user

    def validate_survivor(self, value):
        return survivor_get(self._user(), value)  # 404 when out of scope

    def validate_service_type(self, value):
        service_type = ServiceType.objects.filter(code=value).first()
        if service_type is None:
            raise serializers.ValidationError("No such service type.")
        return service_type

    def _organisation(self, value):
        organisation = Organisation.objects.filter(code=value).first()
        if organisation is None or not selectors.same_tree(organisation, self._user().organisation):
            raise serializers.ValidationError("No such organisation.")
        return organisation

    def validate_need(self, value):
        if value is None:
            return None
        need = Need.objects.filter(uuid=value).first()
        if need is None:
            raise serializers.ValidationError("No such need.")
        return need


class EpisodeCreateSerializer(_Lookups):
    survivor = serializers.CharField(help_text="Survivor code.")
    service_type = serializers.CharField(help_text="Service type code (catalogue).")
    provider = serializers.CharField(help_text="Organisation code of the provider.")
    need = serializers.UUIDField(
        required=False, allow_null=True, help_text="The need it answers (required if counted)."
    )
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=EpisodeStatus.choices, default=EpisodeStatus.ONGOING)
    discontinued_reason = serializers.ChoiceField(
        choices=DiscontinuedReason.choices, required=False, allow_blank=True, default=""
    )
    sessions = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_provider(self, value):
        return self._organisation(value)


class EpisodeCloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[EpisodeStatus.COMPLETED.value, EpisodeStatus.DISCONTINUED.value]
    )
    ended_on = serializers.DateField()
    discontinued_reason = serializers.ChoiceField(
        choices=DiscontinuedReason.choices, required=False, allow_blank=True, default=""
    )


class ReferralCreateSerializer(_Lookups):
    survivor = serializers.CharField(help_text="Survivor code.")
    service_type = serializers.CharField(help_text="Service type code (catalogue).")
    to_provider = serializers.CharField(help_text="Organisation code of the provider.")
    need = serializers.UUIDField(
        required=False, allow_null=True, help_text="The need it answers (required if counted)."
    )
    sent_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_to_provider(self, value):
        return self._organisation(value)


class ReferralStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    on = serializers.DateField(help_text="The day the status changed.")
    reason = serializers.ChoiceField(
        choices=ReferralReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for declined, not_reached and withdrawn.",
    )


# --- views --------------------------------------------------------------------------------


def _origin_org(request) -> str:
    return request.user.organisation.code if request.user.organisation_id else ""


@extend_schema_view(
    list=extend_schema(
        summary="Service episodes in your scope",
        parameters=[
            OpenApiParameter("survivor", str, description="Survivor code."),
            OpenApiParameter("status", str, enum=EpisodeStatus.values),
            OpenApiParameter("service_type", str, description="Service type code."),
        ],
        responses=api_responses(EpisodePiiSerializer(many=True)),
    ),
    retrieve=extend_schema(
        summary="One service episode (audited as a read of its survivor)",
        responses=api_responses(EpisodePiiSerializer, bad_request=False),
    ),
    create=extend_schema(
        summary="Record a service episode",
        request=EpisodeCreateSerializer,
        responses=api_responses(EpisodePiiSerializer, 201),
    ),
)
class EpisodeViewSet(RecordViewMixin, viewsets.GenericViewSet):
    """Service episodes by uuid, scoped through their survivor."""

    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    queryset = ServiceEpisode.objects.none()  # for the schema; reads go through the selectors

    def get_serializer_class(self):
        return EpisodePiiSerializer if self.may_read_pii() else EpisodeSerializer

    def get_object(self) -> ServiceEpisode:
        return selectors.episode_get(self.request.user, self.kwargs[self.lookup_field])

    def list(self, request):
        queryset = selectors.episodes_visible_to(request.user).select_related(
            "survivor", "service_type", "provider", "need"
        )
        params = request.query_params
        if params.get("survivor"):
            queryset = queryset.filter(survivor__code=params["survivor"].upper())
        if params.get("status"):
            if params["status"] not in EpisodeStatus.values:
                raise serializers.ValidationError({"status": ["Unknown status."]})
            queryset = queryset.filter(status=params["status"])
        if params.get("service_type"):
            queryset = queryset.filter(service_type__code=params["service_type"])
        queryset = queryset.defer(
            *(f"survivor__{c}" for c in ("given_name", "family_name", "phone", "address", "notes"))
        ).order_by("-started_on", "-id")
        page = self.paginate_queryset(queryset)
        audit_write(
            origin=self.origin(),
            action=Action.LIST,
            object_type="episode",
            organisation_code=_origin_org(request),
            detail={"count": len(page), "page": self.paginator.page.number},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, uuid=None):
        episode = self.get_object()
        survivor_view_record(origin=self.origin(), survivor=episode.survivor)
        return Response(self.get_serializer(episode).data)

    def create(self, request):
        values = dict(self.validated(EpisodeCreateSerializer))
        try:
            episode = episode_record(origin=self.origin(), **values)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(self.get_serializer(episode).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Close an ongoing episode (completed, or discontinued with a reason)",
        request=EpisodeCloseSerializer,
        responses=api_responses(EpisodePiiSerializer),
    )
    @action(detail=True, methods=["post"])
    def close(self, request, uuid=None):
        episode = self.get_object()
        values = self.validated(EpisodeCloseSerializer)
        try:
            episode_close(origin=self.origin(), episode=episode, **values)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(self.get_serializer(episode).data)


REFERRAL_LIST_PARAMETERS = [
    OpenApiParameter(
        "side",
        str,
        enum=["sent", "received"],
        description="Only referrals your organisation sent, or only those sent to it.",
    ),
    OpenApiParameter("status", str, enum=ReferralStatus.values),
    OpenApiParameter("service_type", str, description="Service type code."),
    OpenApiParameter(
        "unanswered", OpenApiTypes.BOOL, description="Only those still `sent` after 14 days."
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="Referrals you sent or that were sent to your organisation",
        parameters=REFERRAL_LIST_PARAMETERS,
        responses=api_responses(ReferralSerializer(many=True)),
    ),
    retrieve=extend_schema(
        summary="One referral (audited)",
        responses=api_responses(ReferralSerializer, bad_request=False),
    ),
    create=extend_schema(
        summary="Refer a survivor (refused without the survivor's referral consent)",
        request=ReferralCreateSerializer,
        responses=api_responses(ReferralSerializer, 201),
    ),
)
class ReferralViewSet(RecordViewMixin, viewsets.GenericViewSet):
    """Referrals by uuid: the sending side through the survivor, the receiving side through the
    provider organisation."""

    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    queryset = Referral.objects.none()  # for the schema; reads go through the selectors
    serializer_class = ReferralSerializer

    def get_object(self) -> Referral:
        return selectors.referral_get(self.request.user, self.kwargs[self.lookup_field])

    def _context(self, referrals) -> dict:
        ids = {r.survivor_id for r in referrals}
        sender_ids = set(
            survivors_visible_to(self.request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        return {
            **self.get_serializer_context(),
            "sender_ids": sender_ids,
            "may_read_pii": user_can_read_pii(self.request.user),
        }

    def _data(self, referrals, many=False):
        items = referrals if many else [referrals]
        return ReferralSerializer(referrals, many=many, context=self._context(items)).data

    def list(self, request):
        params = request.query_params
        side = params.get("side", "")
        if side not in ("", "sent", "received"):
            raise serializers.ValidationError({"side": ["Use sent or received."]})
        if params.get("status") and params["status"] not in ReferralStatus.values:
            raise serializers.ValidationError({"status": ["Unknown status."]})
        base = {
            "": selectors.referrals_visible_to,
            "sent": selectors.referrals_sent_visible_to,
            "received": selectors.referrals_received_by,
        }[side](request.user)
        filters = selectors.ReferralFilters(
            status=params.get("status", ""),
            service_type=params.get("service_type", ""),
            unanswered=params.get("unanswered", "").lower() in ("1", "true", "yes", "on"),
        )
        queryset = (
            selectors.referral_list(base, filters)
            .select_related("episode")
            .prefetch_related("events__by_organisation")
            .order_by("-sent_on", "-id")
        )
        if user_can_read_pii(request.user):
            queryset = queryset.defer(None).defer(
                *(f"survivor__{c}" for c in ("given_name", "family_name", "phone", "address"))
            )
        page = self.paginate_queryset(queryset)
        audit_write(
            origin=self.origin(),
            action=Action.LIST,
            object_type="referral",
            organisation_code=_origin_org(request),
            detail={"count": len(page), "page": self.paginator.page.number, "side": side},
        )
        return self.get_paginated_response(self._data(page, many=True))

    def _audit_read(self, referral: Referral) -> None:
        if selectors.referral_side(self.request.user, referral) == SENDER:
            survivor_view_record(origin=self.origin(), survivor=referral.survivor)
            return
        audit_write(
            origin=self.origin(),
            action=Action.VIEW,
            object_type="survivor",
            object_ref=referral.survivor.code,
            organisation_code=_origin_org(self.request),
            detail={"referral": str(referral.uuid), "side": RECEIVER},
        )

    def retrieve(self, request, uuid=None):
        referral = self.get_object()
        self._audit_read(referral)
        return Response(self._data(referral))

    def create(self, request):
        values = dict(self.validated(ReferralCreateSerializer))
        try:
            referral = referral_send(origin=self.origin(), **values)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(self._data(referral), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a referral along its loop (accept, decline, service started, …)",
        request=ReferralStatusSerializer,
        responses=api_responses(ReferralSerializer),
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, uuid=None):
        referral = self.get_object()
        values = self.validated(ReferralStatusSerializer)
        side = selectors.referral_side(request.user, referral)
        try:
            referral_set_status(
                origin=self.origin(),
                referral=referral,
                side=side,
                organisation=request.user.organisation,
                **values,
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        referral = self.get_object()
        return Response(self._data(referral))
