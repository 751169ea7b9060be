"""URLs of the voorraad app: each views module keeps its own ``urlpatterns``."""

from voorraad.views import catalogue, donations, labels, stock

app_name = "voorraad"

urlpatterns = stock.urlpatterns + catalogue.urlpatterns + donations.urlpatterns + labels.urlpatterns
