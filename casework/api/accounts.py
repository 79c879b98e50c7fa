"""``/users/`` and ``/tokens/``: accounts and API tokens without a shell.

The administrator manages every account; a department head the accounts of its own
department (staff and system clients, not heads or administrators). Others get 403.
A token's key is in the 201 answer of ``POST /tokens/`` and never again.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.serializers import ErrorSerializer
from casework.api.serializers.accounts import (
    AccountCreateSerializer,
    AccountSerializer,
    TokenCreateSerializer,
    TokenIssuedSerializer,
    TokenSerializer,
)
from casework.models import ApiToken, User
from casework.services import accounts

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404)}


class ManagesAccounts(BasePermission):
    message = accounts.MANAGERS_ONLY

    def has_permission(self, request: Any, view: Any) -> bool:
        return accounts.may_manage_accounts(request.user)


@extend_schema_view(
    list=extend_schema(responses={200: AccountSerializer(many=True), **ERRORS},
                       description="The accounts you manage: all (administrator) or your department's."),
    retrieve=extend_schema(responses={200: AccountSerializer, **ERRORS}),
    create=extend_schema(request=AccountCreateSerializer, responses={201: AccountSerializer, **ERRORS},
                         description="Add an account; audited. A department head adds staff and system "
                                     "clients of its own department only."),
)
class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, ManagesAccounts]
    serializer_class = AccountSerializer

    def get_queryset(self) -> QuerySet[User]:
        return accounts.manageable_users(self.request.user).select_related("department").order_by("pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = AccountCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = accounts.create_user(request.user, **incoming.validated_data)
        return Response(AccountSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: TokenSerializer(many=True), **ERRORS},
                       description="Tokens of the accounts you manage, newest first (never their keys)."),
    retrieve=extend_schema(responses={200: TokenSerializer, **ERRORS}),
    create=extend_schema(request=TokenCreateSerializer, responses={201: TokenIssuedSerializer, **ERRORS},
                         description="Issue a token; audited. The answer holds its `key`, shown only "
                                     "this once: only a hash of it is stored."),
)
class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, ManagesAccounts]
    serializer_class = TokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        return accounts.manageable_tokens(self.request.user).select_related(
            "user", "created_by", "revoked_by")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = TokenCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = accounts.manageable_users(request.user).filter(pk=data["user"]).first()
        if user is None:
            raise Http404
        issued = accounts.issue_token(request.user, user, name=data["name"], scopes=data["scopes"],
                                      expires_at=data["expires_at"])
        answer = TokenIssuedSerializer(issued.token).data
        answer["key"] = issued.key
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TokenSerializer, **ERRORS},
                   description="Revoke the token at once, in every server process; audited. "
                               "Revoking a revoked token changes nothing.")
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = accounts.revoke_token(request.user, self.get_object())
        return Response(TokenSerializer(token).data)
