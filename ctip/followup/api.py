"""The `followup` part of `/api/v1/`: follow-ups (read, and record a result with its
assessments), assessments, outcome events, and the instruments in force.

Same rules as the pages: reads start from the follow-up selectors (scoped through
`survivors_visible_to`, out of scope is 404), reads write audit entries, writes go through the
services and only roles that read PII may write; notes and answers appear only for PII roles.
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ctip.cases.api import RecordViewMixin, as_drf_error
from ctip.cases.selectors import PII_COLUMNS
from ctip.cases.services import survivor_view_record
from ctip.core.api import api_responses
from ctip.core.audit import Action, audit_write
from ctip.followup import selectors
from ctip.followup.models import (
    Assessment,
    CancelReason,
    EmploymentStatus,
    FollowUp,
    FollowupResult,
    FollowupStatus,
    HousingStatus,
    LostReason,
    MigrationSupport,
    OutcomeEvent,
)
from ctip.followup.services import AnswerSheet, followup_record

SURVIVOR_PII = tuple(f"survivor__{column}" for column in PII_COLUMNS)


def _org_code(request) -> str:
    return request.user.organisation.code if request.user.organisation_id else ""


# --- output -------------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    survivor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    followup = serializers.SlugRelatedField(slug_field="uuid", read_only=True, allow_null=True)
    dimensions = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "uuid",
            "survivor",
            "followup",
            "instrument_code",
            "instrument_version",
            "weight_set_version",
            "language",
            "taken_on",
            "score",
            "raw_score",
            "band",
            "cutoff",
            "meets_cutoff",
            "higher_is_better",
            "mid",
            "sequence",
            "first_score",
            "dimensions",
        ]
        read_only_fields = fields

    def get_dimensions(self, assessment) -> dict[str, float]:
        return {d.dimension: d.score for d in assessment.dimension_scores.all()}


class AnswersField(serializers.DictField):
    """The encrypted JSON answer sheet as an object (empty for imported totals)."""

    def to_representation(self, value):
        return super().to_representation(json.loads(value) if value else {})


class AssessmentPiiSerializer(AssessmentSerializer):
    # Optional, not read-only, so the schema does not list it as always present: it is absent
    # from the body of users who may not read PII.
    answers = AnswersField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Item id → answer value. Health data: present only for roles that read PII.",
    )

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "answers"]
        read_only_fields = AssessmentSerializer.Meta.fields


class FollowUpSerializer(serializers.ModelSerializer):
    survivor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lost_reason = serializers.ChoiceField(
        choices=LostReason.choices, allow_blank=True, read_only=True
    )
    result = serializers.ChoiceField(
        choices=FollowupResult.choices, allow_blank=True, read_only=True
    )
    cancelled_reason = serializers.ChoiceField(
        choices=CancelReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = FollowUp
        fields = [
            "uuid",
            "survivor",
            "ref",
            "month",
            "schedule",
            "due_on",
            "status",
            "result",
            "done_on",
            "lost_reason",
            "cancelled_reason",
        ]
        read_only_fields = fields


class FollowUpPiiSerializer(FollowUpSerializer):
    note = serializers.CharField(
        required=False, help_text="Note. PII: present only for roles that may read it."
    )

    class Meta(FollowUpSerializer.Meta):
        fields = [*FollowUpSerializer.Meta.fields, "note"]
        read_only_fields = FollowUpSerializer.Meta.fields


class OutcomeEventSerializer(serializers.ModelSerializer):
    survivor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recorded_by = serializers.SlugRelatedField(
        source="created_by", slug_field="username", read_only=True, allow_null=True
    )
    migration_support = serializers.ChoiceField(
        choices=MigrationSupport.choices, allow_blank=True, read_only=True
    )
    employment_status = serializers.ChoiceField(
        choices=EmploymentStatus.choices, allow_blank=True, read_only=True
    )
    housing_status = serializers.ChoiceField(
        choices=HousingStatus.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = OutcomeEvent
        fields = [
            "uuid",
            "survivor",
            "kind",
            "occurred_on",
            "source",
            "destination_country",
            "migration_support",
            "employment_status",
            "monthly_income",
            "income_currency",
            "housing_status",
            "feels_safe",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------


class SheetSerializer(serializers.Serializer):
    instrument = serializers.CharField(help_text="Instrument code, e.g. who5.")
    answers = serializers.DictField(
        child=serializers.IntegerField(), help_text="Item id → answer value."
    )
    language = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpRecordSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=FollowupResult.choices)
    done_on = serializers.DateField()
    lost_reason = serializers.ChoiceField(
        choices=LostReason.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    assessments = SheetSerializer(many=True, required=False, default=list)


# --- views --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Follow-ups in your scope",
        parameters=[
            OpenApiParameter("survivor", str, description="Survivor code."),
            OpenApiParameter("status", str, enum=FollowupStatus.values),
            OpenApiParameter("due_before", OpenApiTypes.DATE),
            OpenApiParameter("due_after", OpenApiTypes.DATE),
        ],
        responses=api_responses(FollowUpPiiSerializer(many=True)),
    ),
    retrieve=extend_schema(
        summary="One follow-up (audited as a read of its survivor)",
        responses=api_responses(FollowUpPiiSerializer, bad_request=False),
    ),
)
class FollowUpViewSet(RecordViewMixin, viewsets.GenericViewSet):
    """Follow-ups by uuid, scoped through their survivor."""

    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    queryset = FollowUp.objects.none()  # for the schema; reads go through the selectors

    def get_serializer_class(self):
        return FollowUpPiiSerializer if self.may_read_pii() else FollowUpSerializer

    def get_object(self) -> FollowUp:
        return selectors.followup_get(self.request.user, self.kwargs[self.lookup_field])

    def list(self, request):
        params = request.query_params
        queryset = selectors.followups_visible_to(request.user).select_related("survivor")
        if params.get("survivor"):
            queryset = queryset.filter(survivor__code=params["survivor"].upper())
        if params.get("status"):
            if params["status"] not in FollowupStatus.values:
                raise serializers.ValidationError({"status": ["Unknown status."]})
            queryset = queryset.filter(status=params["status"])
        for name, lookup in (("due_before", "due_on__lte"), ("due_after", "due_on__gte")):
            if params.get(name):
                value = serializers.DateField().run_validation(params[name])
                queryset = queryset.filter(**{lookup: value})
        queryset = queryset.defer(*SURVIVOR_PII).order_by("due_on", "id")
        page = self.paginate_queryset(queryset)
        audit_write(
            origin=self.origin(),
            action=Action.LIST,
            object_type="followup",
            organisation_code=_org_code(request),
            detail={"count": len(page), "page": self.paginator.page.number},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, uuid=None):
        followup = self.get_object()
        survivor_view_record(origin=self.origin(), survivor=followup.survivor)
        return Response(self.get_serializer(followup).data)

    @extend_schema(
        summary="Record a follow-up's result, with the assessments taken when reached",
        request=FollowUpRecordSerializer,
        responses=api_responses(AssessmentSerializer(many=True)),
    )
    @action(detail=True, methods=["post"])
    def record(self, request, uuid=None):
        followup = self.get_object()
        values = self.validated(FollowUpRecordSerializer)
        sheets = [
            AnswerSheet(s["instrument"], dict(s["answers"]), s["language"])
            for s in values["assessments"]
        ]
        try:
            _followup, assessments = followup_record(
                origin=self.origin(),
                followup=followup,
                result=values["result"],
                done_on=values["done_on"],
                lost_reason=values["lost_reason"],
                note=values["note"],
                sheets=sheets,
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        data = AssessmentSerializer(assessments, many=True).data
        for item, assessment in zip(data, assessments, strict=True):
            item["alerts"] = [alert["message"] for alert in assessment.alerts]
        return Response(data)


@extend_schema_view(
    list=extend_schema(
        summary="Scored assessments in your scope",
        parameters=[
            OpenApiParameter("survivor", str, description="Survivor code."),
            OpenApiParameter("instrument", str, description="Instrument code, e.g. who5."),
        ],
        responses=api_responses(AssessmentPiiSerializer(many=True)),
    ),
    retrieve=extend_schema(
        summary="One assessment (audited as a read of its survivor)",
        responses=api_responses(AssessmentPiiSerializer, bad_request=False),
    ),
)
class AssessmentViewSet(RecordViewMixin, viewsets.GenericViewSet):
    """Assessments with the instrument and weight-set versions their scores were computed with."""

    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    queryset = Assessment.objects.none()
    http_method_names = ["get", "head", "options"]

    def get_serializer_class(self):
        return AssessmentPiiSerializer if self.may_read_pii() else AssessmentSerializer

    def _queryset(self):
        return (
            selectors.assessments_visible_to(self.request.user)
            .select_related("survivor", "followup")
            .prefetch_related("dimension_scores")
            .defer(*SURVIVOR_PII)
        )

    def list(self, request):
        queryset = self._queryset()
        if request.query_params.get("survivor"):
            queryset = queryset.filter(survivor__code=request.query_params["survivor"].upper())
        if request.query_params.get("instrument"):
            queryset = queryset.filter(instrument_code=request.query_params["instrument"])
        page = self.paginate_queryset(queryset.order_by("taken_on", "id"))
        audit_write(
            origin=self.origin(),
            action=Action.LIST,
            object_type="assessment",
            organisation_code=_org_code(request),
            detail={"count": len(page), "page": self.paginator.page.number},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, uuid=None):
        try:
            assessment = self._queryset().get(uuid=uuid)
        except (Assessment.DoesNotExist, ValueError, DjangoValidationError) as exc:
            raise Http404 from exc
        survivor_view_record(origin=self.origin(), survivor=assessment.survivor)
        return Response(self.get_serializer(assessment).data)


@extend_schema_view(
    list=extend_schema(
        summary="Outcome events in your scope",
        parameters=[
            OpenApiParameter("survivor", str, description="Survivor code."),
            OpenApiParameter("kind", str, description="e.g. retrafficked, remigrated."),
        ],
        responses=api_responses(OutcomeEventSerializer(many=True)),
    ),
)
class OutcomeEventViewSet(RecordViewMixin, viewsets.GenericViewSet):
    """Outcome events (re-trafficking, migrating again, work, housing, safety); notes are kept
    to the pages."""

    queryset = OutcomeEvent.objects.none()
    serializer_class = OutcomeEventSerializer
    http_method_names = ["get", "head", "options"]

    def list(self, request):
        queryset = (
            selectors.outcome_events_visible_to(request.user)
            .select_related("survivor", "created_by")
            .defer("note", *SURVIVOR_PII)
        )
        if request.query_params.get("survivor"):
            queryset = queryset.filter(survivor__code=request.query_params["survivor"].upper())
        if request.query_params.get("kind"):
            queryset = queryset.filter(kind=request.query_params["kind"])
        page = self.paginate_queryset(queryset.order_by("-occurred_on", "-id"))
        audit_write(
            origin=self.origin(),
            action=Action.LIST,
            object_type="outcome_event",
            organisation_code=_org_code(request),
            detail={"count": len(page), "page": self.paginator.page.number},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class InstrumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.CharField()
    name = serializers.CharField()
    outcome = serializers.CharField()
    usable = serializers.BooleanField(help_text="False when licensed wording is not loaded.")
    languages = serializers.ListField(child=serializers.CharField())
    score_min = serializers.FloatField()
    score_max = serializers.FloatField()
    higher_is_better = serializers.BooleanField()
    mid = serializers.FloatField(allow_null=True)
    cutoffs = serializers.DictField(child=serializers.FloatField(allow_null=True))
    weight_set = serializers.CharField(allow_blank=True)
    citation = serializers.CharField()
    licence = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())


@extend_schema_view(
    list=extend_schema(
        summary="Instruments in force for your organisation",
        responses=api_responses(InstrumentSerializer(many=True), bad_request=False),
    ),
)
class InstrumentViewSet(RecordViewMixin, viewsets.ViewSet):
    """The scored instruments (shipped and loaded by your organisation), with their items."""

    http_method_names = ["get", "head", "options"]

    def list(self, request):
        if not request.user.organisation_id:
            return Response([])
        catalogue = selectors.catalogue_for(request.user.organisation)
        data = []
        for code in sorted(catalogue.instruments):
            instrument = catalogue.instrument(code)
            weights = catalogue.weight_set(instrument)
            data.append(
                {
                    "code": instrument.code,
                    "version": instrument.full_version,
                    "name": instrument.label(),
                    "outcome": instrument.outcome,
                    "usable": instrument.has_items,
                    "languages": list(instrument.languages),
                    "score_min": instrument.score_min,
                    "score_max": instrument.score_max,
                    "higher_is_better": instrument.higher_is_better,
                    "mid": instrument.mid,
                    "cutoffs": instrument.cutoffs,
                    "weight_set": weights.version if weights else "",
                    "citation": instrument.citation,
                    "licence": instrument.licence,
                    "items": [
                        {
                            "id": item.id,
                            "text": item.text,
                            "reverse": item.reverse,
                            "dimension": item.dimension,
                            "options": [{"value": o.value, "label": o.label} for o in item.options],
                        }
                        for item in instrument.items
                    ],
                }
            )
        return Response(InstrumentSerializer(data, many=True).data)
