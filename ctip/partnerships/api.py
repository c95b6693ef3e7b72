"""The `partnerships` part of `/api/v1/` (read-only): the company registry and engagements.

Same scoping as the pages (`selectors.partnership_access`): out of scope is 404; donors,
case workers and administrators see empty lists. Concerns are never exposed by the API.
The PSE indicators come through the indicators API like every other indicator.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from ctip.core.api import API_PERMISSIONS, api_responses
from ctip.partnerships import metrics, selectors
from ctip.partnerships.models import Company, Engagement, Stage


class CompanySerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    operating_countries = serializers.ListField(
        source="operating_country_list", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = Company
        fields = [
            "uuid",
            "organisation",
            "ref",
            "name",
            "sector",
            "hq_country",
            "ownership",
            "size",
            "operating_countries",
            "supply_chain_position",
            "has_csr_strategy",
            "csr_summary",
            "csr_priorities",
            "interests",
            "website",
            "is_target",
            "created_at",
            "modified_at",
        ]
        read_only_fields = fields


class EngagementSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    company = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)
    lead = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    avoided_terms = serializers.ListField(
        source="avoided_term_list", child=serializers.CharField(), read_only=True
    )
    stalled = serializers.SerializerMethodField()

    class Meta:
        model = Engagement
        fields = [
            "uuid",
            "organisation",
            "company",
            "company_name",
            "stream",
            "stage",
            "stage_since",
            "closed_reason",
            "stalled",
            "lead",
            "framing",
            "avoided_terms",
            "check_in_days",
            "created_at",
            "modified_at",
        ]
        read_only_fields = fields

    def get_stalled(self, engagement: Engagement) -> bool:
        return metrics.is_stalled(engagement, self.context["today"])


@extend_schema_view(
    list=extend_schema(
        summary="Companies of the implementer's registry",
        responses=api_responses(CompanySerializer(many=True), bad_request=False),
    ),
    retrieve=extend_schema(
        summary="One company", responses=api_responses(CompanySerializer, bad_request=False)
    ),
)
class CompanyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CompanySerializer
    permission_classes = API_PERMISSIONS
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self):
        return selectors.companies_visible_to(self.request.user).select_related("organisation")


@extend_schema_view(
    list=extend_schema(
        summary="Engagements the user may see",
        responses=api_responses(EngagementSerializer(many=True), bad_request=False),
    ),
    retrieve=extend_schema(
        summary="One engagement", responses=api_responses(EngagementSerializer, bad_request=False)
    ),
)
class EngagementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EngagementSerializer
    permission_classes = API_PERMISSIONS
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self):
        queryset = selectors.engagements_visible_to(self.request.user).select_related(
            "organisation", "company", "lead"
        )
        stage = self.request.query_params.get("stage")
        if stage in Stage.values:
            queryset = queryset.filter(stage=stage)
        return queryset.order_by("company__name", "organisation__code")

    def get_serializer_context(self):
        return super().get_serializer_context() | {"today": timezone.localdate()}
