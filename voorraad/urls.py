"""URLs of the voorraad app: each views module keeps its own ``urlpatterns``."""

from voorraad.views import (
    catalogue,
    donations,
    donors,
    drives,
    items,
    labels,
    purchases,
    stock,
)

app_name = "voorraad"

urlpatterns = (
    stock.urlpatterns
    + catalogue.urlpatterns
    + items.urlpatterns
    + donors.urlpatterns
    + donations.urlpatterns
    + drives.urlpatterns
    + purchases.urlpatterns
    + labels.urlpatterns
)
