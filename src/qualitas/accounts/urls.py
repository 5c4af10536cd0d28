from django.urls import path

from qualitas.accounts import views_admin, views_auth, views_org

auth_patterns = [
    path("accounts/login/", views_auth.LoginView.as_view(), name="login"),
    path("accounts/login/verify/", views_auth.login_verify, name="login-verify"),
    path("accounts/logout/", views_auth.LogoutView.as_view(), name="logout"),
    path("profile/", views_auth.profile, name="profile"),
    path("profile/password/", views_auth.PasswordChangeView.as_view(), name="password-change"),
    path("profile/two-factor/", views_auth.totp_enrol, name="totp-enrol"),
    path("profile/two-factor/disable/", views_auth.totp_disable, name="totp-disable"),
    path("profile/tokens/", views_auth.token_create, name="token-create"),
    path("profile/tokens/<int:token_id>/revoke/", views_auth.token_revoke, name="token-revoke"),
]

organisation_patterns = (
    [
        path("", views_org.process_list, name="processes"),
        path("processes/new/", views_org.process_form, name="process-new"),
        path("processes/<int:process_id>/", views_org.process_detail, name="process"),
        path("processes/<int:process_id>/edit/", views_org.process_form, name="process-edit"),
        path("sites/", views_org.site_list, name="sites"),
        path("sites/new/", views_org.site_form, name="site-new"),
        path("sites/<int:site_id>/edit/", views_org.site_form, name="site-edit"),
        path("departments/new/", views_org.department_form, name="department-new"),
        path("departments/<int:department_id>/edit/", views_org.department_form, name="department-edit"),
    ],
    "organisation",
)

administration_patterns = (
    [
        path("users/", views_admin.user_list, name="users"),
        path("users/new/", views_admin.user_create, name="user-new"),
        path("users/<int:user_id>/", views_admin.user_detail, name="user"),
        path("users/<int:user_id>/deactivate/", views_admin.user_deactivate, name="user-deactivate"),
        path("users/<int:user_id>/reactivate/", views_admin.user_reactivate, name="user-reactivate"),
        path("users/<int:user_id>/unlock/", views_admin.user_unlock, name="user-unlock"),
        path("users/<int:user_id>/roles/", views_admin.role_assign, name="role-assign"),
        path("users/<int:user_id>/roles/<int:assignment_id>/remove/", views_admin.role_unassign, name="role-unassign"),
        path("users/<int:user_id>/password/", views_admin.user_password_reset, name="user-password-reset"),
        path("roles/", views_admin.role_list, name="roles"),
        path("roles/new/", views_admin.role_create, name="role-new"),
        path("roles/<int:role_id>/", views_admin.role_detail, name="role"),
    ],
    "administration",
)
