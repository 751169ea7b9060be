from django.urls import path

from voorraad import views

app_name = "voorraad"

urlpatterns = [
    path("", views.stock_overview, name="stock_overview"),
]
