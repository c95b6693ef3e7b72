"""The `cases` part of `/api/v1/`: survivors, their needs and consents.

Same rules as the pages: every read starts from `survivors_visible_to` (out of scope is 404),
every read of a record writes an audit entry, every write goes through a service (which audits
it), and PII keys exist in a response only for users who may read PII.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from ctip.cases.models import (
    CaseStatus,
    ClosedReason,
    Consent,
    ConsentPurpose,
    Exploitation,
    Need,
    NeedCategory,
    NeedStatus,
    Sex,
    Survivor,
)
from ctip.cases.selectors import (
    PII_COLUMNS,
    SurvivorFilters,
    needs_visible_to,
    survivor_get,
    survivor_list,
)
from ctip.cases.services import (
    consent_record,
    need_assess,
    need_update,
    survivor_register,
    survivor_update,
    survivor_view_record,
)
from ctip.core.api import API_PERMISSIONS, CanWriteRecords, api_responses
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import Organisation, Role
from ctip.core.selectors import organisations_visible_to, user_can_read_pii, users_visible_to

CASE_ROLES = [Role.CASE_WORKER, Role.CASE_SUPERVISOR]


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as a 400 body keyed by field, as DRF's own errors are."""
    if hasattr(exc, "error_dict"):
        errors = exc.message_dict
        if "__all__" in errors:
            errors["non_field_errors"] = errors.pop("__all__")
        return serializers.ValidationError(errors)
    return serializers.ValidationError({"non_field_errors": exc.messages})


# --- serialisers: output ------------------------------------------------------------------
# PII fields are declared optional (not read-only) so the schema does not list them as always
# present: they are absent from the body of users who may not read PII.


def _pii_text(label: str) -> serializers.CharField:
    return serializers.CharField(
        required=False, help_text=f"{label}. PII: present only for roles that may read it."
    )


class SurvivorSerializer(serializers.ModelSerializer):
    """A survivor as every record role sees it: pseudonymous, no PII."""

    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    identifying_agency = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    case_worker = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of the assigned case worker.",
    )
    closed_reason = serializers.ChoiceField(
        choices=ClosedReason.choices, allow_blank=True, read_only=True
    )
    exploitation = serializers.ListField(
        source="exploitation_list",
        child=serializers.ChoiceField(choices=Exploitation.choices),
        read_only=True,
    )
    pii_erased = serializers.SerializerMethodField()

    class Meta:
        model = Survivor
        fields = [
            "code",
            "organisation",
            "sex",
            "birth_year",
            "nationality",
            "exploitation",
            "identified_on",
            "identifying_agency",
            "case_worker",
            "status",
            "opened_on",
            "closed_on",
            "closed_reason",
            "pii_erased",
            "created_at",
            "modified_at",
        ]
        read_only_fields = fields

    def get_pii_erased(self, survivor: Survivor) -> bool:
        return survivor.pii_erased_on is not None


class SurvivorPiiSerializer(SurvivorSerializer):
    """A survivor with name, phone and address, for roles that may read PII."""

    given_name = _pii_text("Given name")
    family_name = _pii_text("Family name")
    phone = _pii_text("Phone number")
    address = _pii_text("Address")

    class Meta(SurvivorSerializer.Meta):
        fields = [*SurvivorSerializer.Meta.fields, "given_name", "family_name", "phone", "address"]
        read_only_fields = SurvivorSerializer.Meta.fields


class NeedSerializer(serializers.ModelSerializer):
    survivor = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Need
        fields = [
            "uuid",
            "survivor",
            "category",
            "assessed_on",
            "status",
            "created_at",
            "modified_at",
        ]
        read_only_fields = fields


class NeedPiiSerializer(NeedSerializer):
    notes = _pii_text("Notes of the assessment")

    class Meta(NeedSerializer.Meta):
        fields = [*NeedSerializer.Meta.fields, "notes"]
        read_only_fields = NeedSerializer.Meta.fields


class ConsentSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of the person who recorded the decision.",
    )

    class Meta:
        model = Consent
        fields = ["purpose", "given", "decided_on", "recorded_by", "recorded_at"]
        read_only_fields = fields


class ConsentPiiSerializer(ConsentSerializer):
    note = _pii_text("Note on the decision")

    class Meta(ConsentSerializer.Meta):
        fields = [*ConsentSerializer.Meta.fields, "note"]
        read_only_fields = ConsentSerializer.Meta.fields


# --- serialisers: input -------------------------------------------------------------------


class SurvivorFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Survivor code or its beginning; exact name or phone for roles that read PII.",
    )
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    exploitation = serializers.ChoiceField(choices=Exploitation.choices, required=False)
    organisation = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of the owning organisation."
    )


class SurvivorUpdateSerializer(serializers.Serializer):
    """Profile fields a case worker may change; codes name organisations and users."""

    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900)
    nationality = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        allow_blank=True,
        help_text="ISO 3166 alpha-2 country code.",
    )
    exploitation = serializers.ListField(
        child=serializers.ChoiceField(choices=Exploitation.choices), required=False
    )
    identified_on = serializers.DateField(required=False, allow_null=True)
    identifying_agency = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Code of an organisation in your subtree or of a provider.",
    )
    case_worker = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Username of a case worker of the owning organisation.",
    )
    given_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    family_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=50)
    address = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def _user(self):
        return self.context["request"].user

    def validate_identifying_agency(self, value):
        if not value:
            return None
        visible = organisations_visible_to(self._user()).values("pk")
        agency = (
            Organisation.objects.filter(code=value)
            .filter(Q(pk__in=visible) | ~Q(provider_type=""))
            .first()
        )
        if agency is None:
            raise serializers.ValidationError(_("No such organisation."))
        return agency

    def validate_case_worker(self, value):
        if not value:
            return None
        worker = (
            users_visible_to(self._user())
            .select_related("organisation")
            .filter(username=value, role__in=CASE_ROLES, is_active=True)
            .first()
        )
        if worker is None:
            raise serializers.ValidationError(_("No such case worker."))
        return worker


class SurvivorCreateSerializer(SurvivorUpdateSerializer):
    """A new survivor's profile; the code is drawn by the server."""

    organisation = serializers.CharField(
        required=False,
        help_text="Code of the registering partner or site; defaults to your own organisation.",
    )
    sex = serializers.ChoiceField(choices=Sex.choices, default=Sex.UNKNOWN)

    def validate_organisation(self, value):
        organisation = organisations_visible_to(self._user()).filter(code=value).first()
        if organisation is None:
            raise serializers.ValidationError(_("No such organisation."))
        return organisation


class NeedCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=NeedCategory.choices)
    assessed_on = serializers.DateField()
    status = serializers.ChoiceField(choices=NeedStatus.choices, default=NeedStatus.OPEN)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class NeedUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=NeedStatus.choices)


class ConsentCreateSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given = serializers.BooleanField()
    decided_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


# --- views --------------------------------------------------------------------------------


class RecordViewMixin:
    permission_classes = [*API_PERMISSIONS, CanWriteRecords]
    parser_classes = [JSONParser]

    def origin(self) -> Origin:
        return Origin.from_request(self.request)

    def may_read_pii(self) -> bool:
        return user_can_read_pii(self.request.user)

    def paginated(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def validated(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


SURVIVOR_FILTERS = [
    OpenApiParameter("q", str, description=SurvivorFilterSerializer().fields["q"].help_text),
    OpenApiParameter("status", str, enum=CaseStatus.values),
    OpenApiParameter("sex", str, enum=Sex.values),
    OpenApiParameter("exploitation", str, enum=Exploitation.values),
    OpenApiParameter("organisation", str, description="Code of the owning organisation."),
]


@extend_schema_view(
    list=extend_schema(
        summary="Survivors in your scope",
        parameters=SURVIVOR_FILTERS,
        responses=api_responses(SurvivorPiiSerializer(many=True)),
    ),
    retrieve=extend_schema(
        summary="One survivor's record (audited)",
        responses=api_responses(SurvivorPiiSerializer, bad_request=False),
    ),
    create=extend_schema(
        summary="Register a survivor",
        request=SurvivorCreateSerializer,
        responses=api_responses(SurvivorPiiSerializer, 201),
    ),
    partial_update=extend_schema(
        summary="Change a survivor's profile",
        request=SurvivorUpdateSerializer,
        responses=api_responses(SurvivorPiiSerializer),
    ),
)
class SurvivorViewSet(RecordViewMixin, viewsets.GenericViewSet):
    """Survivors, by pseudonymous code. PII keys appear only for roles that may read PII."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # any code reaches the view, which answers a JSON 404
    queryset = Survivor.objects.none()  # for the schema; every read goes through the selectors

    def get_serializer_class(self):
        return SurvivorPiiSerializer if self.may_read_pii() else SurvivorSerializer

    def get_object(self) -> Survivor:
        return survivor_get(self.request.user, self.kwargs[self.lookup_field])

    def list(self, request):
        filters = SurvivorFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        queryset = survivor_list(request.user, SurvivorFilters(**values)).select_related(
            "identifying_agency"
        )
        page = self.paginate_queryset(queryset)
        audit_write(
            origin=self.origin(),
            action=Action.LIST,
            object_type="survivor",
            organisation_code=request.user.organisation.code if request.user.organisation else "",
            # No PII: the search text may be a name or a phone, so only its presence is kept.
            detail={
                "count": len(page),
                "page": self.paginator.page.number,
                "searched": bool(values.get("q")),
                "filters": {k: v for k, v in values.items() if k != "q" and v},
            },
        )
        data = self.get_serializer(page, many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, code=None):
        survivor = self.get_object()
        survivor_view_record(origin=self.origin(), survivor=survivor)
        return Response(self.get_serializer(survivor).data)

    def create(self, request):
        values = dict(self.validated(SurvivorCreateSerializer))
        values.setdefault("organisation", request.user.organisation)
        try:
            survivor = survivor_register(origin=self.origin(), **values)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(self.get_serializer(survivor).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, code=None):
        survivor = self.get_object()
        changes = self.validated(SurvivorUpdateSerializer, partial=True)
        try:
            survivor_update(origin=self.origin(), survivor=survivor, **changes)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(self.get_serializer(survivor).data)

    @extend_schema(
        methods=["GET"],
        summary="A survivor's assessed needs (audited)",
        responses=api_responses(NeedPiiSerializer(many=True), bad_request=False),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record an assessed need",
        request=NeedCreateSerializer,
        responses=api_responses(NeedPiiSerializer, 201),
    )
    @action(detail=True, methods=["get", "post"])
    def needs(self, request, code=None):
        survivor = self.get_object()
        serializer_class = NeedPiiSerializer if self.may_read_pii() else NeedSerializer
        if request.method == "GET":
            survivor_view_record(origin=self.origin(), survivor=survivor)
            # The related manager hands each need this survivor: no join, no PII reloaded.
            queryset = survivor.needs.all()
            if not self.may_read_pii():
                queryset = queryset.defer("notes")
            return self.paginated(queryset, serializer_class)
        values = self.validated(NeedCreateSerializer)
        try:
            need = need_assess(origin=self.origin(), survivor=survivor, **values)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(serializer_class(need).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="A survivor's consent decisions (audited)",
        responses=api_responses(ConsentPiiSerializer(many=True), bad_request=False),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a consent decision",
        request=ConsentCreateSerializer,
        responses=api_responses(ConsentPiiSerializer, 201),
    )
    @action(detail=True, methods=["get", "post"])
    def consents(self, request, code=None):
        survivor = self.get_object()
        serializer_class = ConsentPiiSerializer if self.may_read_pii() else ConsentSerializer
        if request.method == "GET":
            survivor_view_record(origin=self.origin(), survivor=survivor)
            queryset = survivor.consents.select_related("recorded_by")
            if not self.may_read_pii():
                queryset = queryset.defer("note")
            return self.paginated(queryset, serializer_class)
        values = self.validated(ConsentCreateSerializer)
        try:
            consent = consent_record(origin=self.origin(), survivor=survivor, **values)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(serializer_class(consent).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="One assessed need (audited as a read of its survivor)",
        responses=api_responses(NeedPiiSerializer, bad_request=False),
    ),
    partial_update=extend_schema(
        summary="Change a need's status",
        request=NeedUpdateSerializer,
        responses=api_responses(NeedPiiSerializer),
    ),
)
class NeedViewSet(RecordViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Needs by uuid, scoped through their survivor."""

    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    queryset = Need.objects.none()  # for the schema; reads go through `needs_visible_to`

    def get_serializer_class(self):
        return NeedPiiSerializer if self.may_read_pii() else NeedSerializer

    def get_object(self) -> Need:
        # `needs_visible_to` scopes; the defer keeps PII out of memory for roles without it.
        queryset = needs_visible_to(self.request.user).select_related(
            "survivor", "survivor__organisation"
        )
        if not self.may_read_pii():
            queryset = queryset.defer("notes", *(f"survivor__{c}" for c in PII_COLUMNS))
        try:
            return queryset.get(uuid=self.kwargs[self.lookup_field])
        except (Need.DoesNotExist, ValueError, DjangoValidationError) as exc:
            raise Http404("No such need.") from exc

    def retrieve(self, request, uuid=None):
        need = self.get_object()
        survivor_view_record(origin=self.origin(), survivor=need.survivor)
        return Response(self.get_serializer(need).data)

    def partial_update(self, request, uuid=None):
        need = self.get_object()
        changes = self.validated(NeedUpdateSerializer, partial=True)
        try:
            need_update(origin=self.origin(), need=need, **changes)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return Response(self.get_serializer(need).data)
