from django.urls import path

from toegang import views

app_name = "toegang"

urlpatterns = [
    path("doorverwijzingen/", views.referral_list, name="referral_list"),
]
