from django.urls import path

from kern import views

app_name = "kern"

urlpatterns = [
    path("locaties/", views.location_list, name="location_list"),
    path("locaties/nieuw/", views.location_edit, name="location_create"),
    path("locaties/<int:pk>/", views.location_detail, name="location_detail"),
    path("locaties/<int:pk>/wijzigen/", views.location_edit, name="location_edit"),
    path("organisaties/", views.organisation_list, name="organisation_list"),
    path("gebruikers/", views.user_list, name="user_list"),
    path("auditlog/", views.audit_list, name="audit_list"),
    path("account/api-sleutels/", views.token_list, name="token_list"),
    path("account/api-sleutels/<int:pk>/intrekken/", views.token_revoke, name="token_revoke"),
    path("baliemodus/<int:pk>/", views.counter_mode_enter, name="counter_mode"),
    path("baliemodus/verlaten/", views.counter_mode_leave, name="counter_mode_leave"),
]
