from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .login import ThrottledAuthenticationForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="access/login.html",
                                                authentication_form=ThrottledAuthenticationForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
