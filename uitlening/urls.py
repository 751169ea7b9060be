from uitlening.views import counter, distributions, holds, loans, repairs

app_name = "uitlening"

urlpatterns = (
    counter.urlpatterns
    + distributions.urlpatterns
    + loans.urlpatterns
    + repairs.urlpatterns
    + holds.urlpatterns
)
