from uitlening.views import counter, distributions, loans, partners, repairs, seasonal

app_name = "uitlening"

urlpatterns = (
    counter.urlpatterns
    + distributions.urlpatterns
    + loans.urlpatterns
    + repairs.urlpatterns
    + seasonal.urlpatterns
    + partners.urlpatterns
)
