from django.http import HttpResponse
from django.urls import path
from rest_framework.routers import DefaultRouter

from anchor.views import VerificationViewSet

router = DefaultRouter(trailing_slash=True)
router.register("api/onboarding-verifications", VerificationViewSet, basename="verification")

urlpatterns = [path("healthz", lambda request: HttpResponse("ok"))] + router.urls
