"""The service's tables, read as they are (Django neither creates nor
migrates them)."""
from django.db import models


class User(models.Model):
    username = models.TextField(unique=True)
    is_staff = models.BooleanField()
    is_support = models.BooleanField()
    is_active = models.BooleanField()

    class Meta:
        managed = False
        db_table = "users"

    @property
    def is_authenticated(self):
        return True


class Token(models.Model):
    key_hash = models.TextField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    created = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "tokens"


class Verification(models.Model):
    uuid = models.UUIDField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, db_constraint=False)
    country = models.CharField(max_length=2)
    legal_person_identifier = models.TextField()
    legal_name = models.TextField()
    status = models.TextField()
    validation_method = models.TextField(null=True)
    verified_user_roles = models.JSONField()
    verified_company_data = models.JSONField()
    raw_response = models.JSONField()
    error_traceback = models.TextField()
    error_message = models.TextField()
    validated_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)
    customer_id = models.BigIntegerField(null=True)
    onboarding_metadata = models.JSONField()
    user_submitted_customer_data = models.JSONField()
    created = models.DateTimeField()
    modified = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "verifications"
