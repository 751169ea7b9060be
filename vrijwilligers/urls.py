from django.urls import path

from vrijwilligers import views

app_name = "vrijwilligers"

urlpatterns = [
    path("", views.volunteer_list, name="volunteer_list"),
]
