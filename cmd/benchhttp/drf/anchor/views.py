"""The anchor's API: the service's retrieve and list, written as DRF
projects write them."""
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, serializers, viewsets

from anchor.models import Verification


class VerificationSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)

    class Meta:
        model = Verification
        fields = [
            "uuid", "user", "country", "legal_person_identifier", "legal_name", "status",
            "validation_method", "verified_user_roles", "verified_company_data", "raw_response",
            "error_traceback", "error_message", "validated_at", "expires_at", "customer",
            "onboarding_metadata", "user_submitted_customer_data", "created", "modified",
        ]


class VerificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VerificationSerializer
    lookup_field = "uuid"
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    filterset_fields = ["status", "country", "legal_person_identifier", "user"]
    ordering_fields = ["created", "modified", "status", "country"]
    ordering_param = "o"
    ordering = ["-created"]

    def get_queryset(self):
        user = self.request.user
        queryset = Verification.objects.all()
        if not (user.is_staff or user.is_support):
            queryset = queryset.filter(user=user)
        return queryset
