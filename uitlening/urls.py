from django.urls import path

from uitlening import views

app_name = "uitlening"

urlpatterns = [
    path("", views.counter_choose, name="counter_choose"),
    path("<int:pk>/", views.counter, name="counter"),
    path("<int:pk>/scan/", views.counter_scan, name="counter_scan"),
    path("<int:pk>/gezin/nieuw/", views.counter_register, name="counter_register"),
]
