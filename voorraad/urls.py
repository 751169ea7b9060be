"""URLs of the voorraad app: each views module keeps its own ``urlpatterns``."""

from voorraad.views import catalogue, donations, donors, drives, labels, purchases, stock

app_name = "voorraad"

urlpatterns = (
    stock.urlpatterns
    + catalogue.urlpatterns
    + donors.urlpatterns
    + donations.urlpatterns
    + drives.urlpatterns
    + purchases.urlpatterns
    + labels.urlpatterns
)
