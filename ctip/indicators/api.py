"""The `indicators` part of `/api/v1/`: the report JSON of `ctip report`, for one organisation
subtree and period.

Same rules as the page: the organisation must be in the caller's subtree (else 404); roles
that may not read survivors' records (donor, PSE officer, system administrator) always get the
suppressed version; every call writes an audit entry (it is an export).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ctip.core.api import API_PERMISSIONS, api_responses
from ctip.core.audit import Origin
from ctip.indicators.periods import Period, PeriodError
from ctip.indicators.registry import REGISTRY
from ctip.indicators.selectors import report_is_public_for, report_scope_get
from ctip.indicators.services import report_export


class ReportQuerySerializer(serializers.Serializer):
    period = serializers.CharField(
        required=False,
        help_text="2026-01, 2026-Q1 or 2026; default: the last complete quarter.",
    )
    org = serializers.CharField(
        required=False,
        help_text="Code of an organisation in your subtree; default: your own organisation.",
    )
    public = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Suppress small cells as for donors (always on for roles without records).",
    )
    indicator = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only these indicator codes (repeat the parameter); default: all.",
    )

    def validate_period(self, value: str) -> Period:
        try:
            return Period.parse(value)
        except PeriodError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_indicator(self, value: list[str]) -> list[str]:
        codes = [code.upper() for code in value]
        unknown = [code for code in codes if code not in REGISTRY]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown indicator: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return codes


class PeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class IndicatorItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    group = serializers.CharField()
    value = serializers.JSONField(
        allow_null=True,
        help_text='A number; "<5" for a suppressed count; null when not shown or not defined.',
    )
    numerator = serializers.JSONField(allow_null=True)
    denominator = serializers.JSONField(allow_null=True)
    disaggregations = serializers.JSONField(
        help_text="{breakdown: {cell: count}} or, for rates and medians, "
        "{breakdown: {cell: {value, numerator, denominator}}}; suppressed cells show "
        '"<5" or "*".'
    )
    detail = serializers.JSONField(required=False)
    review = serializers.JSONField(
        required=False, help_text="SRV-3's survivors to review (codes); never when suppressed."
    )


class ReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    scope = serializers.CharField(help_text="Code of the organisation reported on.")
    generated_at = serializers.DateTimeField()
    public = serializers.BooleanField(help_text="Whether small cells are suppressed.")
    indicators = IndicatorItemSerializer(many=True)


class IndicatorReportView(APIView):
    # A plain view, not a ViewSet: the answer is one report object, not a list of them.
    """Every indicator for one organisation subtree and one period."""

    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary="Indicators for an organisation and period (audited)",
        parameters=[
            OpenApiParameter(
                "period", str, description=ReportQuerySerializer().fields["period"].help_text
            ),
            OpenApiParameter(
                "org", str, description=ReportQuerySerializer().fields["org"].help_text
            ),
            OpenApiParameter(
                "public", bool, description=ReportQuerySerializer().fields["public"].help_text
            ),
            OpenApiParameter(
                "indicator", str, many=True, description="Only these indicator codes."
            ),
        ],
        responses=api_responses(ReportSerializer),
    )
    def get(self, request):
        data = {key: request.query_params.get(key) for key in ("period", "org", "public")}
        data = {key: value for key, value in data.items() if value not in (None, "")}
        if request.query_params.getlist("indicator"):
            data["indicator"] = request.query_params.getlist("indicator")
        query = ReportQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        scope = report_scope_get(request.user, values.get("org"))
        period = values.get("period") or Period.last_complete("quarter")
        public = report_is_public_for(request.user) or values["public"]
        export = report_export(
            origin=Origin.from_request(request),
            scope=scope,
            period=period,
            public=public,
            fmt="json",
            codes=values.get("indicator"),
        )
        return Response(export.content)
